package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.SandboxJson.readJson;
import static tools.sandbox.WhatsAppSandbox.whatsAppError;

import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Meta's product catalogue as the WhatsApp channel uses it (MARKETPLACES.md "Catalog availability"), under
 * {@code /whatsapp}: {@code POST /{version}/{catalog_id}/items_batch} and {@code GET [/{version}]/{catalog_id}/
 * check_batch_request_status?handle=...}, with the catalogue token as bearer.
 *
 * <p>Holds availability and inventory per retailer id. UPDATE changes only the fields sent; an unknown id is created
 * when {@code allow_upsert} is true (its default) and refused in {@code validation_status} when it is false. Per-item
 * refusals come back with HTTP 200. Batches are processed at once (status {@code finished}). Beyond
 * calls-per-minute accepted items_batch calls to one catalogue in the last 60 s, a call is answered error 80014.
 *
 * <p>Tests and the demo add a catalogue's items with {@link #addItems} and read them back with {@link #inStock},
 * {@link #inventory} and {@link #availability} (reached through {@code Sandbox.whatsAppCatalog()}).
 */
public final class WhatsAppCatalogSandbox {
  static final Set<String> AVAILABILITY = Set.of("in stock", "out of stock", "preorder", "available for order",
      "discontinued", "pending");
  private static final int MAX_REQUESTS = 5000;
  private static final long WINDOW_NANOS = 60_000_000_000L;

  private record Item(String availability, Integer inventory) {}

  private final SandboxShops.WhatsAppCatalogs config;
  private final Map<String, Map<String, Item>> catalogs = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> calls = new ConcurrentHashMap<>();
  private final Map<String, ObjectNode> batches = new ConcurrentHashMap<>();
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private volatile int callsPerMinute;

  WhatsAppCatalogSandbox(SandboxShops.WhatsAppCatalogs config) {
    this.config = config;
    reset();
  }

  void reset() {
    catalogs.clear();
    calls.clear();
    batches.clear();
    received.clear();
    callsPerMinute = config.callsPerMinute();
    if (!config.configuredId().isBlank()) catalogs.put(config.configuredId(), new ConcurrentHashMap<>());
  }

  // ---------------------------------------------------------------------------------------- control (Java)

  /** Creates the catalogue if needed and lists these retailer ids in it, in stock without an inventory yet. */
  public void addItems(String catalogId, Collection<String> retailerIds) {
    Map<String, Item> items = catalogs.computeIfAbsent(catalogId, id -> new ConcurrentHashMap<>());
    for (String id : retailerIds) items.putIfAbsent(id, new Item("in stock", null));
  }

  /** True when the item shows {@code in stock}; null when the catalogue has no such item. */
  public Boolean inStock(String catalogId, String retailerId) {
    String availability = availability(catalogId, retailerId);
    return availability == null ? null : availability.equals("in stock");
  }

  /** The item's inventory; null when unknown or never set. */
  public Integer inventory(String catalogId, String retailerId) {
    Item item = item(catalogId, retailerId);
    return item == null ? null : item.inventory();
  }

  /** The item's availability value ({@code in stock}, {@code out of stock}...); null when unknown. */
  public String availability(String catalogId, String retailerId) {
    Item item = item(catalogId, retailerId);
    return item == null ? null : item.availability();
  }

  /** Accepted items_batch calls per catalogue and minute before error 80014. */
  public void callsPerMinute(int limit) {
    this.callsPerMinute = limit;
  }

  /** The items_batch bodies received, in order (refused calls included). */
  public List<JsonNode> batchRequests() {
    return List.copyOf(received);
  }

  private Item item(String catalogId, String retailerId) {
    Map<String, Item> items = catalogs.get(catalogId);
    return items == null ? null : items.get(retailerId);
  }

  // ---------------------------------------------------------------------------------------- HTTP

  /** True for the paths this stand-in answers (below {@code /whatsapp}). */
  static boolean serves(String path) {
    return path.endsWith("/items_batch") || path.endsWith("/check_batch_request_status");
  }

  Answer answer(HttpRequest request, String path, byte[] body) {
    String auth = request.getHeader("Authorization").map(h -> h.value()).orElse("");
    if (config.accessToken().isEmpty() || !auth.equals("Bearer " + config.accessToken())) {
      return new Answer(401, whatsAppError(190, "Invalid OAuth access token."), "190");
    }
    String[] parts = path.split("/");
    String method = request.method().value();
    if (path.endsWith("/items_batch") && parts.length == 4 && method.equals("POST")) {
      return itemsBatch(parts[2], body);
    }
    if (path.endsWith("/check_batch_request_status") && (parts.length == 3 || parts.length == 4)
        && method.equals("GET")) {
      return status(parts[parts.length - 2], request.getUri().query().get("handle").orElse(null));
    }
    return new Answer(400, whatsAppError(100, "Unsupported request " + method + " " + path), "100");
  }

  private Answer itemsBatch(String catalogId, byte[] raw) {
    JsonNode body = readJson(raw);
    received.add(body);
    Map<String, Item> items = catalogs.get(catalogId);
    if (items == null) return unknownObject(catalogId);
    if (!admit(catalogId)) {
      return new Answer(400, whatsAppError(80014, "(#80014) There have been too many calls for the batch uploads "
          + "to this catalog account. Wait a bit and try again."), "80014");
    }
    JsonNode requests = body.get("requests");
    if (!"PRODUCT_ITEM".equals(body.path("item_type").asText()) || requests == null || !requests.isArray()
        || requests.isEmpty() || requests.size() > MAX_REQUESTS) {
      return new Answer(400, whatsAppError(100, "Invalid parameter: item_type PRODUCT_ITEM and 1 to "
          + MAX_REQUESTS + " requests are required"), "100");
    }
    boolean upsert = !body.has("allow_upsert") || body.get("allow_upsert").asBoolean(true);
    String handle = "SBX" + UUID.randomUUID().toString().replace("-", "");
    ObjectNode answer = MAPPER.createObjectNode();
    answer.putArray("handles").add(handle);
    ArrayNode validation = answer.putArray("validation_status");
    ArrayNode batchErrors = MAPPER.createArrayNode();
    for (JsonNode r : requests) {
      JsonNode data = r.path("data");
      String id = data.path("id").asText("");
      String refusal = refusal(r, data, items.containsKey(id) || upsert);
      if (refusal != null) {
        ObjectNode v = validation.addObject().put("retailer_id", id);
        v.putArray("errors").addObject().put("message", refusal);
        v.putArray("warnings");
        batchErrors.addObject().put("id", id).put("message", refusal);
        continue;
      }
      items.compute(id, (k, old) -> new Item(
          data.has("availability") ? data.get("availability").asText() : old == null ? "in stock" : old.availability(),
          data.has("inventory") ? Integer.valueOf(data.get("inventory").asInt()) : old == null ? null : old.inventory()));
    }
    ObjectNode status = MAPPER.createObjectNode().put("handle", handle).put("status", "finished");
    status.set("errors", batchErrors);
    status.putArray("warnings");
    batches.put(handle, status);
    return new Answer(200, answer, validation.isEmpty() ? "ok" : "items_rejected");
  }

  /** Why one request is refused, or null. */
  private static String refusal(JsonNode request, JsonNode data, boolean knownOrUpsert) {
    if (!"UPDATE".equals(request.path("method").asText())) return "Unsupported method: only UPDATE is served here";
    if (!data.hasNonNull("id") || data.get("id").asText().isBlank()) return "Missing required field: id";
    if (!knownOrUpsert) return "Item with retailer_id " + data.get("id").asText() + " does not exist (allow_upsert false)";
    if (data.has("availability") && !AVAILABILITY.contains(data.get("availability").asText())) {
      return "Invalid value for availability: " + data.get("availability").asText();
    }
    if (data.has("inventory") && (!data.get("inventory").canConvertToInt() || data.get("inventory").asInt() < 0)) {
      return "Invalid value for inventory: " + data.get("inventory");
    }
    return null;
  }

  /** Counts an accepted call in the catalogue's last 60 s; false beyond calls-per-minute. */
  private boolean admit(String catalogId) {
    Deque<Long> times = calls.computeIfAbsent(catalogId, id -> new ArrayDeque<>());
    synchronized (times) {
      long now = System.nanoTime();
      while (!times.isEmpty() && now - times.peekFirst() >= WINDOW_NANOS) times.pollFirst();
      if (times.size() >= callsPerMinute) return false;
      times.addLast(now);
      return true;
    }
  }

  private Answer status(String catalogId, String handle) {
    if (!catalogs.containsKey(catalogId)) return unknownObject(catalogId);
    ObjectNode status = handle == null ? null : batches.get(handle);
    if (status == null) return new Answer(400, whatsAppError(100, "Invalid parameter: unknown handle"), "100");
    ObjectNode answer = MAPPER.createObjectNode();
    answer.putArray("data").add(status.deepCopy());
    return new Answer(200, answer, "ok");
  }

  private static Answer unknownObject(String id) {
    return new Answer(400, whatsAppError(100, "Unsupported post request. Object with ID '" + id
        + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation"), "100");
  }
}

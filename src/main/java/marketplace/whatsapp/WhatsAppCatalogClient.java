package marketplace.whatsapp;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.CallOutcomes;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.ShopGuard;
import marketplace.ShopGuard.Attempt;
import marketplace.TokenBucket;

/**
 * Meta's Catalog Batch API for the configured catalogue (MARKETPLACES.md "Catalog availability"): POST
 * {@code {base}/{version}/{catalog_id}/items_batch} with UPDATE requests carrying {@code availability} and
 * {@code inventory} per retailer id, {@code allow_upsert false} so an unknown id is refused, not created.
 *
 * <p>Calls are paced by a token bucket at the catalogue's calls-per-minute (one call at a time, burst 1: the limit is
 * per catalogue, whatever is sent). Error 80014 (too many batch calls) is retried after at least the catalogue's
 * rate-limited-backoff and does not count toward the breaker; 5xx, 429 and timeouts are retried with the usual
 * back-off; token and permission codes fail as configuration errors ({@link WhatsAppErrors}). Items refused in
 * {@code validation_status[].errors} come back with HTTP 200 and are answered per retailer id.
 */
public final class WhatsAppCatalogClient {
  static final String KIND = "items_batch";

  /** What one retailer id should show: {@code in stock} above 0, else {@code out of stock}. */
  public record ItemStock(String retailerId, int inventory) {}

  /** @param rejected retailer id to the platform's messages, for the items it refused */
  public record BatchResult(List<String> handles, Map<String, String> rejected) {}

  private final HttpCaller http;
  private final Optional<MarketplaceConfig.WhatsAppCatalog> catalog;
  private final ShopGuard guard;

  public WhatsAppCatalogClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this.http = new HttpCaller(system, config.client());
    this.catalog = config.whatsAppCatalog();
    this.guard = catalog.map(c -> new ShopGuard(system, Channel.WHATSAPP, c.catalogId(), config.client(),
        ShopGuard.shared(new TokenBucket(system, c.callsPerMinute() / 60.0, 1)), outcomes)).orElse(null);
  }

  /** The configured catalogue, when it has this id. */
  public Optional<MarketplaceConfig.WhatsAppCatalog> catalog(String catalogId) {
    return catalog.filter(c -> c.catalogId().equals(catalogId));
  }

  public String breakerState() {
    return guard == null ? "closed" : guard.breakerState();
  }

  /** How long a batch call starting now would wait for the catalogue's rate limit. */
  public Duration untilFree() {
    return guard == null ? Duration.ZERO : guard.untilFree(KIND);
  }

  /** One items_batch call for at most max-items-per-call items (the caller splits larger pushes). */
  public CompletionStage<BatchResult> updateAvailability(String catalogId, List<ItemStock> items) {
    MarketplaceConfig.WhatsAppCatalog c = catalog(catalogId).orElse(null);
    if (c == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "no WhatsApp catalogue '" + catalogId + "' in orchestrator.marketplaces.whatsapp.catalog"));
    }
    byte[] raw = requestBody(items).toString().getBytes(StandardCharsets.UTF_8);
    String url = c.baseUrl() + "/" + c.version() + "/" + c.catalogId() + "/items_batch";
    return guard.call(KIND, () -> http.send(HttpRequest.POST(url)
            .withEntity(ContentTypes.APPLICATION_JSON, raw)
            .addHeader(RawHeader.create("Authorization", "Bearer " + c.accessToken())))
        .thenApply(reply -> classify(reply, c.rateLimitedBackoff())));
  }

  /** The body exactly as the contract example: UPDATE requests, availability and inventory, no upsert. */
  static ObjectNode requestBody(List<ItemStock> items) {
    ObjectNode body = JsonTrees.object().put("item_type", "PRODUCT_ITEM").put("allow_upsert", false);
    ArrayNode requests = body.putArray("requests");
    for (ItemStock item : items) {
      int inventory = Math.max(0, item.inventory());
      requests.addObject().put("method", "UPDATE").putObject("data")
          .put("id", item.retailerId())
          .put("availability", inventory > 0 ? "in stock" : "out of stock")
          .put("inventory", inventory);
    }
    return body;
  }

  static Attempt<BatchResult> classify(HttpCaller.Reply reply, Duration rateLimitedBackoff) {
    JsonNode root = null;
    try {
      root = JsonTrees.parse(reply.body(), "WhatsApp catalogue response");
    } catch (MarketParseException e) {
      // not JSON: the HTTP status decides below
    }
    JsonNode error = root == null ? null : root.get("error");
    if (error != null && error.isObject()) {
      int code = error.path("code").asInt();
      String c = Integer.toString(code);
      String message = JsonTrees.optText(error, "message");
      WhatsAppErrors.Handling handling = WhatsAppErrors.classify(code, reply.status());
      switch (handling) {
        case CATALOG_THROTTLED -> {
          // the catalogue's own limit, not the platform failing: no breaker count, a longer wait
          return new Attempt.Retry<>(c, message, false, rateLimitedBackoff);
        }
        case RETRY -> {
          return new Attempt.Retry<>(c, message, reply.status() >= 500, HttpCaller.retryAfter(reply));
        }
        default -> {
          return new Attempt.Fail<>(c, message, handling.failureClass());
        }
      }
    }
    if (WhatsAppErrors.httpStatus(reply.status()) == WhatsAppErrors.Handling.RETRY) {
      return new Attempt.Retry<>("http_" + reply.status(), HttpCaller.abbreviate(reply.text()),
          reply.status() >= 500, HttpCaller.retryAfter(reply));
    }
    if (reply.status() >= 400) {
      return new Attempt.Fail<>("http_" + reply.status(), HttpCaller.abbreviate(reply.text()), FailureClass.UNKNOWN);
    }
    if (root == null || !root.isObject()) {
      return new Attempt.Fail<>("parse", "WhatsApp catalogue response is not a JSON object");
    }
    List<String> handles = new ArrayList<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    try {
      for (JsonNode h : JsonTrees.optArray(root, "handles")) handles.add(h.asText());
      for (JsonNode v : JsonTrees.optArray(root, "validation_status")) {
        String retailerId = JsonTrees.optText(v, "retailer_id");
        JsonNode errors = JsonTrees.optArray(v, "errors");
        if (retailerId == null || errors.isEmpty()) continue;
        List<String> messages = new ArrayList<>();
        for (JsonNode e : errors) messages.add(e.path("message").asText("rejected"));
        rejected.put(retailerId, String.join("; ", messages));
      }
    } catch (MarketParseException e) {
      return new Attempt.Fail<>("parse", e.getMessage());
    }
    return new Attempt.Ok<>(new BatchResult(List.copyOf(handles), Map.copyOf(rejected)),
        Integer.toString(reply.status()));
  }
}

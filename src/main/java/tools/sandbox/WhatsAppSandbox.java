package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.SandboxJson.readJson;

import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;
import tools.sandbox.Sandbox.WhatsAppItem;

/**
 * The WhatsApp Cloud API stand-in under {@code /whatsapp}: takes the messages we send (checking the number's bearer
 * token), keeps them, fails chosen recipients, and sends catalog orders and delivery statuses signed with
 * X-Hub-Signature-256. Catalogue item updates on the same host go to {@link WhatsAppCatalogSandbox}.
 */
final class WhatsAppSandbox {
  private final SandboxShops config;
  private final WebhookSender webhooks;
  private final Map<String, int[]> whatsAppRecipientFaults = new ConcurrentHashMap<>();
  private final List<JsonNode> whatsAppSent = new CopyOnWriteArrayList<>();
  private final WhatsAppCatalogSandbox catalog;

  WhatsAppSandbox(SandboxShops config, WebhookSender webhooks) {
    this.config = config;
    this.webhooks = webhooks;
    this.catalog = new WhatsAppCatalogSandbox(config.catalogs());
  }

  void reset() {
    whatsAppRecipientFaults.clear();
    whatsAppSent.clear();
    catalog.reset();
  }

  /** Meta's catalogues on the same Graph host: their items' availability. */
  WhatsAppCatalogSandbox catalog() {
    return catalog;
  }

  void failRecipient(String to, int code, int times) {
    whatsAppRecipientFaults.put(to, new int[] {code, times});
  }

  List<JsonNode> sent() {
    return List.copyOf(whatsAppSent);
  }

  Answer answer(HttpRequest request, String path, byte[] body) {
    if (WhatsAppCatalogSandbox.serves(path)) return catalog.answer(request, path, body);
    String[] parts = path.split("/");
    // /{version}/{phone_number_id}/messages
    if (parts.length != 4 || !parts[3].equals("messages") || !request.method().value().equals("POST")) {
      return new Answer(404, whatsAppError(100, "Unsupported request " + path), "100");
    }
    SandboxShops.WhatsAppNumber number = config.whatsAppNumber(parts[2]).orElse(null);
    String auth = request.getHeader("Authorization").map(h -> h.value()).orElse("");
    if (number == null || !auth.equals("Bearer " + number.accessToken())) {
      return new Answer(401, whatsAppError(190, "Invalid OAuth access token."), "190");
    }
    JsonNode json = readJson(body);
    String to = json.path("to").asText("");
    String type = json.path("type").asText("");
    if (to.isEmpty() || !(type.equals("text") || type.equals("template"))) {
      return new Answer(400, whatsAppError(100, "Invalid parameter"), "100");
    }
    int[] fault = whatsAppRecipientFaults.get(to);
    if (fault != null) {
      synchronized (fault) {
        if (fault[1] > 0) {
          fault[1]--;
          return new Answer(400, whatsAppError(fault[0], "injected for recipient"), Integer.toString(fault[0]));
        }
      }
    }
    whatsAppSent.add(json);
    ObjectNode ok = MAPPER.createObjectNode();
    ok.put("messaging_product", "whatsapp");
    ok.putArray("contacts").addObject().put("input", to).put("wa_id", to);
    ok.putArray("messages").addObject().put("id", "wamid.SBX" + UUID.randomUUID().toString().replace("-", ""));
    return new Answer(200, ok, "ok");
  }

  static ObjectNode whatsAppError(int code, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", message).put("type", "OAuthException").put("code", code);
    e.putObject("error_data").put("details", message);
    e.put("fbtrace_id", UUID.randomUUID().toString());
    return root;
  }

  /** A catalog order from {@code from} to our number, signed with X-Hub-Signature-256; eventId is the wamid. */
  CompletionStage<Delivery> sendOrder(String targetUrl, String phoneNumberId, String from,
      String buyerName, List<WhatsAppItem> items, Redelivery redelivery) {
    SandboxShops.WhatsAppNumber number = config.whatsAppNumber(phoneNumberId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp number " + phoneNumberId));
    String wamid = "wamid.SBX" + UUID.randomUUID().toString().replace("-", "");
    ObjectNode root = MAPPER.createObjectNode().put("object", "whatsapp_business_account");
    root.putArray("entry").addObject().put("id", "SANDBOX-WABA").putArray("changes").addObject()
        .put("field", "messages").set("value", orderValue(phoneNumberId, wamid, from, buyerName, items));
    byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
    return webhooks.deliver(targetUrl, body,
        Map.of("X-Hub-Signature-256", PlatformSignatures.whatsAppHeader(number.appSecret(), body)), redelivery, wamid);
  }

  /**
   * A delivery status of a message we sent ({@code sent}, {@code delivered}, {@code read}, {@code failed}) at
   * {@code timestamp} (WhatsApp sends whole seconds, and in any order), signed like every WhatsApp webhook.
   */
  CompletionStage<Delivery> sendStatus(String targetUrl, String phoneNumberId, String wamid,
      String status, long timestamp, String recipient, Redelivery redelivery) {
    SandboxShops.WhatsAppNumber number = config.whatsAppNumber(phoneNumberId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp number " + phoneNumberId));
    ObjectNode root = MAPPER.createObjectNode().put("object", "whatsapp_business_account");
    ObjectNode value = root.putArray("entry").addObject().put("id", "SANDBOX-WABA").putArray("changes").addObject()
        .put("field", "messages").putObject("value");
    value.put("messaging_product", "whatsapp");
    value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", phoneNumberId);
    ObjectNode s = value.putArray("statuses").addObject();
    s.put("id", wamid).put("status", status).put("timestamp", Long.toString(timestamp)).put("recipient_id", recipient);
    if (status.equals("failed")) s.putArray("errors").addObject().put("code", 131026).put("title", "Message undeliverable");
    byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
    return webhooks.deliver(targetUrl, body,
        Map.of("X-Hub-Signature-256", PlatformSignatures.whatsAppHeader(number.appSecret(), body)), redelivery,
        wamid + ":" + status);
  }

  /**
   * One delivery of several changes, as Meta batches them: one entry per WABA id in {@code changes}' order, each
   * change {@code {"field", "value"}} as given (a {@code messages} value names its own number in its metadata, other
   * fields' values have none). Signed with {@code signingNumberId}'s app secret (the app signs the whole body).
   */
  CompletionStage<Delivery> sendChanges(String targetUrl, String signingNumberId, List<Sandbox.WhatsAppChange> changes,
      Redelivery redelivery) {
    SandboxShops.WhatsAppNumber number = config.whatsAppNumber(signingNumberId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp number " + signingNumberId));
    ObjectNode root = MAPPER.createObjectNode().put("object", "whatsapp_business_account");
    ArrayNode entries = root.putArray("entry");
    Map<String, ArrayNode> byWaba = new java.util.LinkedHashMap<>();
    for (Sandbox.WhatsAppChange change : changes) {
      ArrayNode list = byWaba.computeIfAbsent(change.wabaId(), id -> {
        ObjectNode entry = entries.addObject().put("id", id).put("time", Instant.now().getEpochSecond());
        return entry.putArray("changes");
      });
      list.addObject().put("field", change.field()).set("value", change.value());
    }
    byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
    return webhooks.deliver(targetUrl, body,
        Map.of("X-Hub-Signature-256", PlatformSignatures.whatsAppHeader(number.appSecret(), body)), redelivery,
        "batch-" + UUID.randomUUID());
  }

  /** The value of a {@code messages} change carrying one catalog order from {@code from} to {@code phoneNumberId}. */
  static ObjectNode orderValue(String phoneNumberId, String wamid, String from, String buyerName,
      List<WhatsAppItem> items) {
    ObjectNode value = MAPPER.createObjectNode();
    value.put("messaging_product", "whatsapp");
    value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", phoneNumberId);
    value.putArray("contacts").addObject().put("wa_id", from).putObject("profile").put("name", buyerName);
    ObjectNode message = value.putArray("messages").addObject();
    message.put("from", from).put("id", wamid).put("timestamp", Long.toString(Instant.now().getEpochSecond()))
        .put("type", "order");
    ObjectNode order = message.putObject("order").put("catalog_id", "SANDBOX-CATALOG");
    ArrayNode products = order.putArray("product_items");
    for (WhatsAppItem i : items) {
      products.addObject().put("product_retailer_id", i.retailerId()).put("quantity", i.quantity())
          .put("item_price", i.price()).put("currency", i.currency());
    }
    return value;
  }

  /** The value of a {@code message_template_status_update} change (no metadata, as Meta sends it). */
  static ObjectNode templateStatusValue(String templateName, String event) {
    return MAPPER.createObjectNode().put("event", event).put("message_template_id", 1689000000000001L)
        .put("message_template_name", templateName).put("message_template_language", "en").put("reason", "NONE")
        .put("message_template_category", "UTILITY");
  }
}

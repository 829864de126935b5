package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.SandboxJson.error;
import static tools.sandbox.SandboxJson.json;
import static tools.sandbox.SandboxJson.readJson;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.time.Duration;
import java.util.Map;
import tools.sandbox.Sandbox.FaultKind;

/**
 * The sandbox's {@code /control} HTTP API, for demos and scripts that drive a sandbox in another process:
 * {@code GET /control/calls}, {@code POST /control/reset}, {@code POST /control/faults}
 * ({channel, path, kind, status, code, delay_ms, times}), {@code POST /control/shopee/orders?shop_id=} and
 * {@code POST /control/tiktok/orders?shop_id=} (an order object as the API returns it), {@code GET /control/stock};
 * the storefront: {@code POST /control/storefront/checkout} ({channel, shop_id, item_id, model_id} or
 * {channel, shop_id, product_id, sku_id}, and qty), {@code POST /control/storefront/targets} ({shopee, tiktok}),
 * {@code GET /control/storefront} (refused and cancelled checkouts per channel).
 */
final class SandboxControl {
  private final Sandbox sandbox;
  private final FaultInjector faults;
  private final ShopeeCatalog shopeeCatalog;
  private final TikTokSandboxStock tiktokStock;

  SandboxControl(Sandbox sandbox, FaultInjector faults, ShopeeCatalog shopeeCatalog, TikTokSandboxStock tiktokStock) {
    this.sandbox = sandbox;
    this.faults = faults;
    this.shopeeCatalog = shopeeCatalog;
    this.tiktokStock = tiktokStock;
  }

  HttpResponse answer(HttpRequest request, String path, Map<String, String> q, byte[] body) {
    String method = request.method().value();
    try {
      switch (method + " " + path) {
        case "GET /control/calls" -> {
          return json(200, MAPPER.valueToTree(sandbox.calls()));
        }
        case "POST /control/reset" -> {
          sandbox.reset();
          return json(200, MAPPER.createObjectNode().put("reset", true));
        }
        case "POST /control/faults" -> {
          JsonNode f = readJson(body);
          Channel channel = Channel.fromKey(f.path("channel").asText());
          FaultKind kind = FaultKind.valueOf(f.path("kind").asText("HTTP_STATUS"));
          sandbox.inject(channel, f.hasNonNull("path") ? f.get("path").asText() : null, kind,
              f.path("status").asInt(0), f.hasNonNull("code") ? f.get("code").asText() : null,
              Duration.ofMillis(f.path("delay_ms").asLong(kind == FaultKind.TIMEOUT ? 30_000 : 0)),
              f.path("times").asInt(1));
          return json(200, MAPPER.createObjectNode().put("faults", faults.count()));
        }
        case "POST /control/shopee/orders" -> {
          sandbox.addShopeeOrder(required(q, "shop_id"), (ObjectNode) readJson(body));
          return json(200, MAPPER.createObjectNode().put("added", true));
        }
        case "POST /control/tiktok/orders" -> {
          sandbox.addTikTokOrder(required(q, "shop_id"), (ObjectNode) readJson(body));
          return json(200, MAPPER.createObjectNode().put("added", true));
        }
        case "GET /control/stock" -> {
          ObjectNode stock = MAPPER.createObjectNode();
          stock.set("shopee", MAPPER.valueToTree(shopeeCatalog.totals()));
          stock.set("tiktok", MAPPER.valueToTree(tiktokStock.totals()));
          return json(200, stock);
        }
        case "POST /control/storefront/checkout" -> {
          return json(200, MAPPER.valueToTree(checkout(readJson(body))));
        }
        case "POST /control/storefront/targets" -> {
          JsonNode t = readJson(body);
          sandbox.storefront().webhookTargets(t.hasNonNull("shopee") ? t.get("shopee").asText() : null,
              t.hasNonNull("tiktok") ? t.get("tiktok").asText() : null);
          return json(200, MAPPER.createObjectNode().put("set", true));
        }
        case "GET /control/storefront" -> {
          ObjectNode counts = MAPPER.createObjectNode();
          for (Channel c : java.util.List.of(Channel.SHOPEE, Channel.TIKTOK)) {
            counts.putObject(c.name().toLowerCase())
                .put("refused", sandbox.storefront().refusedCheckouts(c))
                .put("cancelled", sandbox.storefront().cancelledCheckouts(c));
          }
          return json(200, counts);
        }
        default -> {
          return json(404, error("not_found", "no control route " + method + " " + path));
        }
      }
    } catch (RuntimeException e) {
      return json(400, error("bad_request", String.valueOf(e.getMessage())));
    }
  }

  private Storefront.Checkout checkout(JsonNode c) {
    int qty = c.path("qty").asInt(1);
    String shopId = text(c, "shop_id");
    return switch (Channel.fromKey(c.path("channel").asText())) {
      case SHOPEE -> sandbox.storefront().shopeeCheckout(shopId, c.path("item_id").asLong(),
          c.path("model_id").asLong(0), qty);
      case TIKTOK -> sandbox.storefront().tiktokCheckout(shopId, text(c, "product_id"), text(c, "sku_id"), qty);
      default -> throw new IllegalArgumentException("buyers check out on shopee or tiktok");
    };
  }

  private static String text(JsonNode body, String field) {
    if (!body.hasNonNull(field)) throw new IllegalArgumentException(field + " is required");
    return body.get(field).asText();
  }

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isBlank()) throw new IllegalArgumentException("query parameter " + name + " is required");
    return v;
  }
}

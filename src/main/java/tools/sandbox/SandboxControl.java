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
 * {@code POST /control/tiktok/orders?shop_id=} (an order object as the API returns it), {@code GET /control/stock}.
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
        default -> {
          return json(404, error("not_found", "no control route " + method + " " + path));
        }
      }
    } catch (RuntimeException e) {
      return json(400, error("bad_request", String.valueOf(e.getMessage())));
    }
  }

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isBlank()) throw new IllegalArgumentException("query parameter " + name + " is required");
    return v;
  }
}

package http.webhooks;

import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.ApiErrors;
import http.Json;
import infra.Metrics;
import java.util.Set;

/**
 * Around the webhook routes: counts every answer by channel and status with its latency
 * ({@code orchestrator_webhook_requests}). Rejections are turned into their JSON answers here so they are counted too.
 */
public final class WebhookMetrics extends AllDirectives {
  private static final Set<String> CHANNELS = Set.of("shopee", "tiktok", "whatsapp");

  private final Metrics metrics;
  private final ApiErrors errors;

  public WebhookMetrics(Metrics metrics, Json json) {
    this.metrics = metrics;
    this.errors = new ApiErrors(json);
  }

  public Route around(Route webhooks) {
    Route handled = errors.handle(webhooks);
    return pathPrefixTest("webhooks", () -> extractUri(uri -> {
      long start = System.nanoTime();
      String channel = channel(uri.path());
      return mapResponse(response -> {
        metrics.webhookAnswered(channel, response.status().intValue(), System.nanoTime() - start);
        return response;
      }, () -> handled);
    }));
  }

  /** The channel segment, or "other" (keeps the label set bounded whatever paths are tried). */
  static String channel(String path) {
    String[] segments = path.split("/");
    String candidate = segments.length > 2 ? segments[2] : "";
    return CHANNELS.contains(candidate) ? candidate : "other";
  }
}

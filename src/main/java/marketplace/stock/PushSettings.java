package marketplace.stock;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How a shop adapter paces its stock calls ({@code orchestrator.stock-sync}, shared with stocksync.StockSync).
 *
 * @param minPushInterval at most one call per group (Shopee item, TikTok product) per this interval
 * @param retryMin the back-off after a group's first failed call, doubling per failure up to {@code retryMax}
 * @param maxRetries calls after a listing value's first one that failed transiently; then it is marked failed
 */
public record PushSettings(Duration minPushInterval, Duration retryMin, Duration retryMax, int maxRetries) {
  public static final int DEFAULT_MAX_RETRIES = 20;

  public PushSettings(Duration minPushInterval, Duration retryMin, Duration retryMax) {
    this(minPushInterval, retryMin, retryMax, DEFAULT_MAX_RETRIES);
  }

  public static PushSettings from(Config config) {
    Config c = config.getConfig("orchestrator.stock-sync");
    return new PushSettings(c.getDuration("min-push-interval"), c.getDuration("retry-min"),
        c.getDuration("retry-max"), c.hasPath("max-retries") ? c.getInt("max-retries") : DEFAULT_MAX_RETRIES);
  }
}

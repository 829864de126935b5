package order;

import com.typesafe.config.Config;
import java.time.Duration;
import order.BuyerNotifications.NotificationSettings;

/**
 * How orders run their saga ({@code orchestrator.orders}, orders.conf) and notify their buyers.
 *
 * @param cancelOutOfStock cancel an out-of-stock order on the marketplace (else hold it for an operator)
 */
public record OrderSettings(Duration unpaidHold, Duration retryMin, Duration retryMax, Duration mappingRetry,
                            boolean cancelOutOfStock, NotificationSettings notifications, Duration outOfStockGrace) {
  public OrderSettings(Duration unpaidHold, Duration retryMin, Duration retryMax, Duration mappingRetry,
                       boolean cancelOutOfStock, NotificationSettings notifications) {
    this(unpaidHold, retryMin, retryMax, mappingRetry, cancelOutOfStock, notifications, Duration.ZERO);
  }

  /** Without buyer notifications. */
  public OrderSettings(Duration unpaidHold, Duration retryMin, Duration retryMax, Duration mappingRetry,
                       boolean cancelOutOfStock) {
    this(unpaidHold, retryMin, retryMax, mappingRetry, cancelOutOfStock, NotificationSettings.DISABLED);
  }

  public static OrderSettings from(Config config) {
    Config c = config.getConfig("orchestrator.orders");
    return new OrderSettings(c.getDuration("unpaid-hold"), c.getDuration("retry-min"), c.getDuration("retry-max"),
        c.getDuration("mapping-retry"), c.getBoolean("cancel-out-of-stock"), NotificationSettings.from(config),
        c.hasPath("out-of-stock-grace") ? c.getDuration("out-of-stock-grace") : Duration.ZERO);
  }
}

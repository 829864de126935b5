package infra;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MDC keys this service adds to log lines beside Akka's own ({@code akkaSource}, {@code persistenceId}, ...):
 * the order, SKU and shop a line is about. They show as {@code mdc} fields in the JSON log format
 * ({@code ORCH_LOG_FORMAT=json}) and can be added to a text pattern with {@code %X{orderKey}}.
 */
public final class LogContext {
  public static final String ORDER_KEY = "orderKey";
  public static final String SKU = "sku";
  public static final String SHOP = "shop";
  public static final String CHANNEL = "channel";

  private LogContext() {}

  /** An order's keys: its key {@code channel|shop|orderId}, and the channel and shop read from it. */
  public static Map<String, String> order(String orderKey) {
    Map<String, String> mdc = new LinkedHashMap<>();
    mdc.put(ORDER_KEY, orderKey);
    String[] parts = orderKey.split("\\|", 3);
    if (parts.length == 3) {
      mdc.put(CHANNEL, parts[0]);
      mdc.put(SHOP, parts[1]);
    }
    return mdc;
  }

  public static Map<String, String> sku(String sku) {
    return Map.of(SKU, sku);
  }

  /**
   * Runs {@code logging} (a log call) with {@code mdc} added to this thread's MDC, then puts back what was there: for
   * lines logged outside an actor, on whatever thread a future completes.
   */
  public static void with(Map<String, String> mdc, Runnable logging) {
    Map<String, String> before = new LinkedHashMap<>();
    mdc.keySet().forEach(key -> before.put(key, org.slf4j.MDC.get(key)));
    try {
      mdc.forEach(org.slf4j.MDC::put);
      logging.run();
    } finally {
      before.forEach((key, value) -> {
        if (value == null) org.slf4j.MDC.remove(key);
        else org.slf4j.MDC.put(key, value);
      });
    }
  }

  /**
   * {@code behavior} with {@code mdc} set while it handles every message and signal: not only its commands but also
   * what an event-sourced behavior receives from its journal (the replies that complete a persist or a recovery, and
   * run {@code thenRun} callbacks and the {@code RecoveryCompleted} handler). {@link Behaviors#withMdc} with the
   * command class alone would pass those by.
   */
  @SuppressWarnings("unchecked")
  public static <T> Behavior<T> withMdc(Map<String, String> mdc, Behavior<T> behavior) {
    Class<T> everyMessage = (Class<T>) (Class<?>) Object.class;
    return Behaviors.withMdc(everyMessage, mdc, behavior);
  }
}

package marketplace;

import common.Channel;

/**
 * An outbound marketplace call that did not succeed after its attempts.
 *
 * @param code the platform's error code (e.g. error_param, 106001, 131026) or one of ours: http_NNN, timeout,
 *     connect, network, circuit_open, parse
 * @param retryable true when the same call may succeed later (rate limits, 5xx, timeouts, open breaker)
 */
public final class MarketCallException extends RuntimeException {
  private final Channel channel;
  private final String shopId;
  private final String kind;
  private final String code;
  private final int attempts;
  private final boolean retryable;
  private final FailureClass failureClass;
  private final java.time.Instant pausedUntil;

  public MarketCallException(Channel channel, String shopId, String kind, String code, String message, int attempts,
      boolean retryable, Throwable cause) {
    this(channel, shopId, kind, code, message, attempts, retryable ? FailureClass.RETRY : FailureClass.UNKNOWN, null,
        cause);
  }

  /** @param pausedUntil when the shop's calls may start again ({@link FailureClass#PAUSE_UNTIL_RESET}), else null */
  public MarketCallException(Channel channel, String shopId, String kind, String code, String message, int attempts,
      FailureClass failureClass, java.time.Instant pausedUntil, Throwable cause) {
    super(channel.key() + " " + kind + " for shop " + shopId + " failed after " + attempts + " attempt(s): " + code
        + (message == null || message.isBlank() ? "" : " (" + message + ")"), cause);
    this.channel = channel;
    this.shopId = shopId;
    this.kind = kind;
    this.code = code;
    this.attempts = attempts;
    this.retryable = failureClass == FailureClass.RETRY;
    this.failureClass = failureClass;
    this.pausedUntil = pausedUntil;
  }

  public Channel channel() {
    return channel;
  }

  public String shopId() {
    return shopId;
  }

  public String kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  public int attempts() {
    return attempts;
  }

  public boolean retryable() {
    return retryable;
  }

  /** What the error table says to do about this failure. */
  public FailureClass failureClass() {
    return failureClass;
  }

  /** When a paused shop's calls may start again; null unless {@link FailureClass#PAUSE_UNTIL_RESET}. */
  public java.time.Instant pausedUntil() {
    return pausedUntil;
  }
}

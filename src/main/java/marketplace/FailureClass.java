package marketplace;

/**
 * How a failed marketplace call is handled: one class per row of the error table (README "Marketplace errors";
 * each channel's table in code: {@code ShopeeErrors}, {@code TikTokErrors}, {@code WhatsAppErrors}).
 */
public enum FailureClass {
  /** Transient (throttled, busy, 5xx, timeout): bounded back-off with jitter, honouring Retry-After. */
  RETRY,
  /** The access token expired or was revoked: refresh, retry the call once; a second one is PERMANENT_CONFIG. */
  REFRESH_ONCE,
  /** The platform's daily call cap: no calls from this shop until the platform's daily reset. */
  PAUSE_UNTIL_RESET,
  /** The shop is not authorised (de-authorised, banned, refresh token spent): no calls until it is again. */
  PAUSE_SHOP,
  /** This listing's value cannot be written (promotion lock, holiday mode, bad listing): not retried until it changes. */
  PERMANENT_LISTING,
  /** Signing, key, permission or warehouse mapping is wrong: the operator must fix the configuration. */
  PERMANENT_CONFIG,
  /** The platform says it is done already (an order cancelled twice): success for the caller. */
  DONE,
  /** Not in the table: not retried by the call, the caller's own bounded back-off decides. */
  UNKNOWN;

  /** True when repeating the same call later, unchanged, cannot succeed (it would only erode the success rate). */
  public boolean permanent() {
    return this == PERMANENT_LISTING || this == PERMANENT_CONFIG;
  }
}

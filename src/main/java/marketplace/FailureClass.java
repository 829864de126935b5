package marketplace;

/**
 * How a failed marketplace call is handled: one class per row of the error table (README "Marketplace errors";
 * each channel's table in code: {@code ShopeeErrors}, {@code TikTokErrors}, {@code WhatsAppErrors}).
 *
 * <p>What the service does per class (the call in {@link ShopGuard}; stock pushes in {@code ShopStock.handling},
 * the one switch that maps a class onto the stock queue's handling):
 * <table>
 *   <caption>Handling by class</caption>
 *   <tr><th>class</th><th>the call ({@link ShopGuard})</th><th>a stock push ({@code ShopStock}, {@code StockPushQueue})</th></tr>
 *   <tr><td>RETRY</td><td>back-off with jitter up to max-attempts, Retry-After / minDelay honoured</td>
 *       <td>retry-min doubling to retry-max, at most stock-sync max-retries times; then marked failed, left to
 *       the next change or reconciliation</td></tr>
 *   <tr><td>REFRESH_ONCE</td><td>the client refreshes the token and retries once</td><td>as RETRY</td></tr>
 *   <tr><td>PAUSE_UNTIL_RESET</td><td>every call of the shop fails unsent ({@code shop_paused}) until pausedUntil
 *       (default the next 00:00 UTC+8)</td><td>the shop's queue sends nothing until then, then the latest
 *       values</td></tr>
 *   <tr><td>PAUSE_SHOP</td><td>as PAUSE_UNTIL_RESET, until an operator resumes the shop</td>
 *       <td>waits until resumed</td></tr>
 *   <tr><td>PERMANENT_LISTING, PERMANENT_CONFIG</td><td>not retried</td><td>the listing is blocked (sync status
 *       {@code blocked}, with reason and class): sent again only for a newer value, a listing change or a push
 *       now; reconciliation leaves it alone</td></tr>
 *   <tr><td>DONE</td><td>success for the caller</td><td>acknowledged</td></tr>
 *   <tr><td>UNKNOWN</td><td>not retried by the call</td><td>as RETRY (bounded)</td></tr>
 * </table>
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

package marketplace.tiktok;

import java.util.Map;
import marketplace.FailureClass;

/**
 * TikTok Shop's error codes onto their handling: the TikTok rows of the error table in MARKETPLACES.md, in one place.
 * The same table classifies the envelope's {@code code} and the per-SKU {@code data.errors[].code} of a partial
 * failure (which arrive with envelope code 0).
 *
 * <pre>
 * code(s)                                          meaning                                   class
 * HTTP 429, HTTP 503 (any 5xx), 36009002           rate limited / overload                   RETRY (Retry-After honoured)
 * 36009003, 36009007                               internal error / timeout                  RETRY
 * 105002                                           access token expired                      REFRESH_ONCE
 * 106001, 36009004                                 signature, credentials, timestamp         PERMANENT_CONFIG
 * 105005, 36009033, 106013                         scope, IP allow-list, shop_cipher         PERMANENT_CONFIG
 * 12052393                                         promotion lock                            PERMANENT_LISTING
 * 12019028, 12052037, 12052533, 12019022,
 *   12052097, 12052530                             warehouse list wrong or incomplete        PERMANENT_CONFIG
 * 12052850, 12052849                               bundle (combo) stock not editable         PERMANENT_LISTING
 * 12019024, 12052055                               quantity out of range (0? UNSURE)         PERMANENT_LISTING
 * 12052048, 12052556, 12052032, 12052260, 12052901 product/SKU not found or not editable     PERMANENT_LISTING
 * 25001011 (cancel)                                already cancelled / request in process    DONE
 * 25001051, 25001045 (cancel)                      completed or cancelled / already shipped  PERMANENT_LISTING (the order)
 * 25001021 (cancel)                                reason does not match the order status    UNKNOWN here: the cancel
 *                                                                                            re-reads the status once
 * anything else                                                                              UNKNOWN
 * </pre>
 */
public final class TikTokErrors {
  public static final long RATE_LIMITED = 36009002L;
  public static final long INTERNAL_ERROR = 36009003L;
  public static final long TIMEOUT = 36009007L;
  public static final long TOKEN_EXPIRED = 105002L;
  public static final long CANCEL_REASON_MISMATCH = 25001021L;
  public static final long CANCEL_ALREADY = 25001011L;
  /** The warehouse codes: after one of them the product's warehouse list is read again. */
  public static final java.util.Set<Long> WAREHOUSE_CODES =
      java.util.Set.of(12019028L, 12052037L, 12052533L, 12019022L, 12052097L, 12052530L);

  static final Map<Long, FailureClass> TABLE = Map.ofEntries(
      Map.entry(RATE_LIMITED, FailureClass.RETRY),
      Map.entry(INTERNAL_ERROR, FailureClass.RETRY),
      Map.entry(TIMEOUT, FailureClass.RETRY),
      Map.entry(TOKEN_EXPIRED, FailureClass.REFRESH_ONCE),
      Map.entry(106001L, FailureClass.PERMANENT_CONFIG),
      Map.entry(36009004L, FailureClass.PERMANENT_CONFIG),
      Map.entry(105005L, FailureClass.PERMANENT_CONFIG),
      Map.entry(36009033L, FailureClass.PERMANENT_CONFIG),
      Map.entry(106013L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052393L, FailureClass.PERMANENT_LISTING),
      Map.entry(12019028L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052037L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052533L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12019022L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052097L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052530L, FailureClass.PERMANENT_CONFIG),
      Map.entry(12052850L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052849L, FailureClass.PERMANENT_LISTING),
      Map.entry(12019024L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052055L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052048L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052556L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052032L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052260L, FailureClass.PERMANENT_LISTING),
      Map.entry(12052901L, FailureClass.PERMANENT_LISTING),
      Map.entry(CANCEL_ALREADY, FailureClass.DONE),
      Map.entry(25001051L, FailureClass.PERMANENT_LISTING),
      Map.entry(25001045L, FailureClass.PERMANENT_LISTING));

  private TikTokErrors() {}

  /** The class of an envelope code or a {@code data.errors[].code}. */
  public static FailureClass of(long code) {
    return TABLE.getOrDefault(code, FailureClass.UNKNOWN);
  }

  /** The class of an HTTP status whose body does not decide: 429 and 5xx (503 is overload protection) retry. */
  public static FailureClass ofHttp(int status) {
    if (status == 429 || status >= 500) return FailureClass.RETRY;
    return FailureClass.UNKNOWN;
  }

  /** Internal errors and timeouts say the platform is unwell (counted by the breaker); rate limits do not. */
  static boolean unhealthy(long code) {
    return code == INTERNAL_ERROR || code == TIMEOUT;
  }
}

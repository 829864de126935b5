package marketplace.whatsapp;

import marketplace.FailureClass;

/**
 * The WhatsApp rows of the error table (docs/MARKETPLACES.md "Error code -> handling") in one place: what a Cloud
 * API {@code error.code} (or, without one, the HTTP status) means for the call. {@link WhatsAppClient} branches on
 * it; {@code WhatsAppErrorsTest} checks every row.
 */
public final class WhatsAppErrors {
  private WhatsAppErrors() {}

  /** What to do about one failed send. */
  public enum Handling {
    /** 130429 throughput, 131016 service unavailable, 131000 unknown, HTTP 5xx/429: retried with back-off. */
    RETRY(FailureClass.RETRY),
    /** 131056 too many messages to one recipient: that recipient alone is backed off, the call retried. */
    BACK_OFF_RECIPIENT(FailureClass.RETRY),
    /**
     * 80014 too many Catalog Batch calls to this catalogue: retried after a longer back-off (the catalogue's
     * rate-limited-backoff), while newer stock values coalesce into the next call.
     */
    CATALOG_THROTTLED(FailureClass.RETRY),
    /** 131057 number in maintenance (throughput upgrade): the call fails now, the message is sent again later. */
    RETRY_LATER(FailureClass.RETRY),
    /** 131047 outside the 24-hour window: a text cannot go through; the caller sends a template instead. */
    TEMPLATE_INSTEAD(FailureClass.UNKNOWN),
    /** 131026/131049/131050/131048 undeliverable, marketing limit, opted out, spam limit: never sent again. */
    PERMANENT_MESSAGE(FailureClass.PERMANENT_LISTING),
    /** 132xxx template problems, 190 token, 200-299 permissions, 10 permission: the operator fixes the setup. */
    PERMANENT_CONFIG(FailureClass.PERMANENT_CONFIG),
    /** Not in the table: not retried by the call; the caller's own bounded back-off decides. */
    UNKNOWN(FailureClass.UNKNOWN);

    private final FailureClass failureClass;

    Handling(FailureClass failureClass) {
      this.failureClass = failureClass;
    }

    /** The channel-neutral class for {@code marketplace}: PERMANENT_MESSAGE is the per-item permanent one. */
    public FailureClass failureClass() {
      return failureClass;
    }
  }

  /** The handling of {@code error.code}; {@code httpStatus} decides only for a code the table does not name. */
  public static Handling classify(int code, int httpStatus) {
    switch (code) {
      case 130429, 131016, 131000:
        return Handling.RETRY;
      case 131056:
        return Handling.BACK_OFF_RECIPIENT;
      case 80014:
        return Handling.CATALOG_THROTTLED;
      case 131057:
        return Handling.RETRY_LATER;
      case 131047:
        return Handling.TEMPLATE_INSTEAD;
      case 131026, 131049, 131050, 131048:
        return Handling.PERMANENT_MESSAGE;
      case 190, 10:
        return Handling.PERMANENT_CONFIG;
      default:
        break;
    }
    if ((code >= 132000 && code <= 132999) || (code >= 200 && code <= 299)) return Handling.PERMANENT_CONFIG;
    return httpStatus(httpStatus);
  }

  /** Without a WhatsApp error code: 429 and 5xx are transient, anything else is not in the table. */
  public static Handling httpStatus(int status) {
    return status == 429 || status >= 500 ? Handling.RETRY : Handling.UNKNOWN;
  }
}

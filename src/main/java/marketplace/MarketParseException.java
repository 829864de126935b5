package marketplace;

/**
 * A webhook body or API response that is not valid JSON or lacks a required field. The message says which field,
 * so a webhook route can answer 400 with it and an adapter can record it as the call's error.
 */
public final class MarketParseException extends RuntimeException {
  public MarketParseException(String message) {
    super(message);
  }

  public MarketParseException(String message, Throwable cause) {
    super(message, cause);
  }
}

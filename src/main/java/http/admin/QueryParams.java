package http.admin;

import java.util.Map;

/** Query parameters of the admin routes, read the same way everywhere (a bad one is an IllegalArgumentException). */
final class QueryParams {
  private QueryParams() {}

  /** {@code name} as a whole number from min to max, or {@code fallback} when absent or blank. */
  static int integer(Map<String, String> params, String name, int fallback, int min, int max) {
    String value = params.get(name);
    if (value == null || value.isBlank()) return fallback;
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed < min || parsed > max) throw new NumberFormatException();
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number from " + min
          + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ", not '" + value + "'");
    }
  }
}

package marketplace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;

/** Tree-reading helpers shared by the webhook and response parsers: every missing field becomes a clear error. */
public final class JsonTrees {
  /** Money stays exact: floats are read as BigDecimal with their scale (12.50 stays 12.50). */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

  private JsonTrees() {}

  public static JsonNode parse(byte[] body, String what) {
    if (body == null || body.length == 0) throw new MarketParseException(what + ": empty body");
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || !node.isObject()) throw new MarketParseException(what + ": body is not a JSON object");
      return node;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MarketParseException(what + ": malformed JSON (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw new MarketParseException(what + ": unreadable body (" + e.getMessage() + ")", e);
    }
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static JsonNode required(JsonNode parent, String field, String where) {
    JsonNode value = parent == null ? null : parent.get(field);
    if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
      throw new MarketParseException(where + ": missing required field '" + field + "'");
    }
    return value;
  }

  public static String text(JsonNode parent, String field, String where) {
    JsonNode v = required(parent, field, where);
    if (v.isContainerNode()) throw new MarketParseException(where + ": field '" + field + "' must be a scalar");
    return v.asText();
  }

  public static String optText(JsonNode parent, String field) {
    JsonNode v = parent == null ? null : parent.get(field);
    return v == null || v.isNull() || v.isContainerNode() || v.asText().isBlank() ? null : v.asText();
  }

  public static long longValue(JsonNode parent, String field, String where) {
    JsonNode v = required(parent, field, where);
    if (v.canConvertToLong()) return v.asLong();
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().trim());
      } catch (NumberFormatException ignored) {
        // falls through to the error below
      }
    }
    throw new MarketParseException(where + ": field '" + field + "' must be an integer, got " + v);
  }

  public static long optLong(JsonNode parent, String field, long fallback) {
    JsonNode v = parent == null ? null : parent.get(field);
    if (v == null || v.isNull()) return fallback;
    return longValue(parent, field, field);
  }

  public static BigDecimal decimal(JsonNode parent, String field, String where) {
    JsonNode v = required(parent, field, where);
    try {
      return v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
    } catch (NumberFormatException e) {
      throw new MarketParseException(where + ": field '" + field + "' must be a decimal, got " + v);
    }
  }

  public static BigDecimal optDecimal(JsonNode parent, String field) {
    JsonNode v = parent == null ? null : parent.get(field);
    if (v == null || v.isNull() || v.asText().isBlank()) return null;
    return decimal(parent, field, field);
  }

  public static JsonNode array(JsonNode parent, String field, String where) {
    JsonNode v = required(parent, field, where);
    if (!v.isArray()) throw new MarketParseException(where + ": field '" + field + "' must be an array");
    return v;
  }

  /** The array, or an empty one when absent; present with another type is malformed (not silently "none"). */
  public static JsonNode optArray(JsonNode parent, String field) {
    JsonNode v = parent == null ? null : parent.get(field);
    if (v == null || v.isNull()) return MAPPER.createArrayNode();
    if (!v.isArray()) throw new MarketParseException(field + " must be an array, got " + v.getNodeType());
    return v;
  }

  public static Instant epochSeconds(long seconds) {
    return seconds <= 0 ? null : Instant.ofEpochSecond(seconds);
  }

  /** Digits only; null when absent or masked by the platform. */
  public static String phoneDigits(String phone) {
    if (phone == null || phone.contains("*")) return null;
    String digits = phone.replaceAll("[^0-9]", "");
    return digits.isEmpty() ? null : digits;
  }
}

package tools.sandbox;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** Reading the stand-ins' requests (JSON bodies, numeric query parameters) and writing their JSON answers. */
final class SandboxJson {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
      .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private SandboxJson() {}

  static JsonNode readJson(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || !node.isObject()) throw new IllegalArgumentException("body must be a JSON object");
      return node;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed JSON body");
    }
  }

  /** The number in a query parameter, -1 if it is missing or not a number. */
  static long parseLong(String s) {
    if (s == null) return -1;
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static ObjectNode error(String code, String message) {
    return MAPPER.createObjectNode().put("error", code).put("message", message);
  }

  static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }
}

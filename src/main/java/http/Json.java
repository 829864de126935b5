package http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.marshalling.Marshaller;
import akka.http.javadsl.model.RequestEntity;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * JSON for the HTTP API, written by Akka's configured Jackson ObjectMapper ("jackson-json" in serialization.conf).
 * Request bodies are read through {@link #readTree} / {@link #readValue}, which first refuse nesting deeper than
 * {@code orchestrator.http.max-json-depth}: Jackson 2.13 has no read constraints, and building a tree of a deeply
 * nested document recurses.
 */
public final class Json {
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> marshaller;
  private final int maxDepth;

  public Json(ActorSystem<?> system) {
    this.mapper = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
        .getOrCreate("jackson-json", Optional.empty());
    this.marshaller = Jackson.marshaller(mapper);
    var config = system.settings().config();
    this.maxDepth = config.hasPath("orchestrator.http.max-json-depth")
        ? config.getInt("orchestrator.http.max-json-depth") : 32;
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  public Marshaller<Object, RequestEntity> marshaller() {
    return marshaller;
  }

  /** Parsed tree of a request body; {@link JsonProcessingException} when malformed or nested too deep. */
  public JsonNode readTree(byte[] body) throws JsonProcessingException {
    checkDepth(body);
    try {
      return mapper.readTree(body);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new Unreadable("body could not be read: " + e.getMessage());
    }
  }

  public JsonNode readTree(String body) throws JsonProcessingException {
    return readTree(body.getBytes(StandardCharsets.UTF_8));
  }

  public <T> T readValue(String body, Class<T> type) throws JsonProcessingException {
    checkDepth(body.getBytes(StandardCharsets.UTF_8));
    return mapper.readValue(body, type);
  }

  /** Streams the tokens (no recursion) and stops at the first one past the allowed depth. */
  void checkDepth(byte[] body) throws JsonProcessingException {
    try (JsonParser parser = mapper.getFactory().createParser(body)) {
      int depth = 0;
      for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          if (++depth > maxDepth) throw new Unreadable("JSON nested deeper than " + maxDepth + " levels");
        } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
        }
      }
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new Unreadable("body could not be read: " + e.getMessage());
    }
  }

  /** A body refused before it is turned into objects. */
  public static final class Unreadable extends JsonProcessingException {
    Unreadable(String message) {
      super(message);
    }
  }

  /** Body of every error answer: a stable machine-readable code and a sentence saying what is wrong. */
  public record Error(String error, String message) {}
}

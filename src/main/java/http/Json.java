package http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.marshalling.Marshaller;
import akka.http.javadsl.model.RequestEntity;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/** JSON for the HTTP API, written by Akka's configured Jackson ObjectMapper ("jackson-json" in serialization.conf). */
public final class Json {
  private final ObjectMapper mapper;
  private final Marshaller<Object, RequestEntity> marshaller;

  public Json(ActorSystem<?> system) {
    this.mapper = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
        .getOrCreate("jackson-json", Optional.empty());
    this.marshaller = Jackson.marshaller(mapper);
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  public Marshaller<Object, RequestEntity> marshaller() {
    return marshaller;
  }

  /** Body of every error answer: a stable machine-readable code and a sentence saying what is wrong. */
  public record Error(String error, String message) {}
}

package http;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import common.Futures;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Maps an entity's answer onto HTTP: success → the given status with the value as JSON; a {@link StatusReply} error
 * → the status chosen by {@code errorStatus} with the entity's message; no answer in time → 503 so callers retry.
 */
public final class Replies extends AllDirectives {
  private final Json json;
  private final ApiErrors errors;

  public Replies(Json json) {
    this.json = json;
    this.errors = new ApiErrors(json);
  }

  public <T> Route complete(CompletionStage<T> answer, StatusCode success, Function<String, StatusCode> errorStatus) {
    return onComplete(answer, result -> {
      if (result.isSuccess()) return complete(success, result.get(), json.marshaller());
      Throwable error = Futures.unwrap(result.failed().get());
      if (error instanceof StatusReply.ErrorMessage message) {
        StatusCode status = errorStatus.apply(message.getMessage());
        return error(status, message.getMessage());
      }
      if (error instanceof TimeoutException || error instanceof akka.pattern.AskTimeoutException) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "the service is busy or its store is unavailable; retry later");
      }
      throw new IllegalStateException(error);
    });
  }

  public Route error(StatusCode status, String message) {
    return complete(akka.http.javadsl.model.HttpResponse.create().withStatus(status)
        .withEntity(errors.jsonEntity(ApiErrors.codeFor(status.intValue()), message)));
  }
}

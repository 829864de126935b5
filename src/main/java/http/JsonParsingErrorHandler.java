package http;

import akka.event.LoggingAdapter;
import akka.http.ParsingErrorHandler;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * Requests refused by the HTTP parser itself (URI or header too long, too many headers, broken request line) never
 * reach a route; this answers them with the same JSON error body as every other error
 * ({@code akka.http.server.parsing.error-handler} in http.conf). Only the summary is sent, never the input.
 */
public final class JsonParsingErrorHandler extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.warning("Illegal request, responding with status '{}': {}", status, info.summary());
    String body = "{\"error\":\"" + ApiErrors.codeFor(status.intValue()) + "\",\"message\":\""
        + new String(JsonStringEncoder.getInstance().quoteAsString(info.summary())) + "\"}";
    return HttpResponse.create().withStatus(status.intValue())
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }
}

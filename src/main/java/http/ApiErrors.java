package http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every rejection and unexpected exception into a JSON error body, so no client ever gets plain text. */
public final class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);
  private final Json json;

  public ApiErrors(Json json) {
    this.json = json;
  }

  /**
   * {@code inner} with both handlers around it. The handlers and the inner route are built here, once: a directive's
   * inner supplier runs on every request, and rebuilding the handlers there cost ~1 % of a node's CPU in a flash sale.
   */
  public Route handle(Route inner) {
    RejectionHandler rejections = rejectionHandler();
    Route withRejections = Directives.handleRejections(rejections, () -> inner);
    ExceptionHandler exceptions = exceptionHandler();
    return Directives.handleExceptions(exceptions, () -> withRejections);
  }

  private RejectionHandler rejectionHandler() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
      if (response.entity() instanceof HttpEntity.Strict strict
          && !strict.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        String message = strict.getData().utf8String();
        return response.withEntity(jsonEntity(codeFor(response.status().intValue()), message));
      }
      return response;
    });
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        // a body past a size limit (withSizeLimit, max-content-length) found while it streams in
        .match(EntityStreamSizeException.class, e -> akka.http.javadsl.server.Directives.complete(HttpResponse.create()
            .withStatus(StatusCodes.PAYLOAD_TOO_LARGE)
            .withEntity(jsonEntity("payload_too_large", "request body larger than " + e.limit() + " bytes"))))
        .matchAny(e -> {
          log.error("Unhandled error in HTTP route", e);
          return akka.http.javadsl.server.Directives.complete(HttpResponse.create()
              .withStatus(StatusCodes.INTERNAL_SERVER_ERROR)
              .withEntity(jsonEntity("internal_error", "The server could not complete the request.")));
        })
        .build();
  }

  public HttpEntity.Strict jsonEntity(String error, String message) {
    try {
      return akka.http.javadsl.model.HttpEntities.create(ContentTypes.APPLICATION_JSON,
          ByteString.fromArray(json.mapper().writeValueAsBytes(new Json.Error(error, message))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 413 -> "payload_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "headers_too_large";
      case 503 -> "unavailable";
      default -> status >= 500 ? "server_error" : "client_error";
    };
  }
}

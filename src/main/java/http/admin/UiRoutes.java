package http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The two static documents under {@code /admin} that hold no data and are served without a token:
 * {@code GET /admin/ui} (the operator dashboard, one HTML file with inline CSS and JS that calls the admin API with
 * the bearer token the operator pastes) and {@code GET /admin/openapi.json} (the admin API's OpenAPI 3 document).
 * Registered in front of {@link AdminAuth}; these exact paths and methods only, everything else under
 * {@code /admin} still needs a token. Both are read from the jar once, at start.
 */
public final class UiRoutes extends AllDirectives {
  /** Only inline code and same-origin calls: the page loads nothing from elsewhere and cannot be framed. */
  private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final byte[] page;
  private final byte[] openApi;

  public UiRoutes() {
    this.page = resource("ui/index.html");
    this.openApi = resource("ui/openapi.json");
  }

  public Route route() {
    return pathPrefix("admin", () -> concat(
        path("ui", () -> get(() -> respondWithHeaders(List.of(
                RawHeader.create("Content-Security-Policy", CSP),
                RawHeader.create("X-Content-Type-Options", "nosniff"),
                RawHeader.create("Referrer-Policy", "no-referrer"),
                RawHeader.create("Cache-Control", "no-cache")),
            () -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page)))))),
        path("openapi.json", () -> get(() -> respondWithHeader(RawHeader.create("Cache-Control", "no-cache"),
            () -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi))))))));
  }

  private static byte[] resource(String name) {
    try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException(name + " is missing from the jar");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

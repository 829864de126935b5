package http.admin;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static documents under {@code /admin} that hold no data and are served without a token: {@code GET /admin/ui}
 * (the operator dashboard: an HTML page, its style sheet and its JavaScript modules under {@code /admin/ui/}, which
 * call the admin API with the bearer token the operator pastes) and {@code GET /admin/openapi.json} (the admin API's
 * OpenAPI 3 document). Registered in front of {@link AdminAuth}; these exact paths and methods only, everything else
 * under {@code /admin} still needs a token. All are read from the jar once, at start: nothing is fetched at run time,
 * so the dashboard works offline.
 */
public final class UiRoutes extends AllDirectives {
  /** Only the page's own files and same-origin calls: nothing inline, nothing from elsewhere, no framing. */
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final ContentType.WithCharset JAVASCRIPT =
      ContentTypes.create(MediaTypes.APPLICATION_JAVASCRIPT, HttpCharsets.UTF_8);
  private static final ContentType.WithCharset CSS = ContentTypes.create(MediaTypes.TEXT_CSS, HttpCharsets.UTF_8);
  /** The dashboard's files besides the page (its modules import each other by these names). */
  static final List<String> ASSETS = List.of("app.css", "app.js", "core.js", "charts.js", "sale.js", "orders.js",
      "order-detail.js", "stock.js", "shops.js", "system.js");

  private final byte[] page;
  private final byte[] openApi;
  private final Map<String, byte[]> assets = new LinkedHashMap<>();

  public UiRoutes() {
    this.page = resource("ui/index.html");
    this.openApi = resource("ui/openapi.json");
    for (String asset : ASSETS) assets.put(asset, resource("ui/" + asset));
  }

  public Route route() {
    List<Route> routes = new ArrayList<>();
    routes.add(path("ui", () -> get(() -> document(ContentTypes.TEXT_HTML_UTF8, page))));
    assets.forEach((name, bytes) -> routes.add(path(PathMatchers.segment("ui").slash(name),
        () -> get(() -> document(name.endsWith(".css") ? CSS : JAVASCRIPT, bytes)))));
    routes.add(path("openapi.json", () -> get(() -> respondWithHeader(RawHeader.create("Cache-Control", "no-cache"),
        () -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi)))))));
    return pathPrefix("admin", () -> concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new)));
  }

  private Route document(ContentType type, byte[] bytes) {
    return respondWithHeaders(List.of(
            RawHeader.create("Content-Security-Policy", CSP),
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("Referrer-Policy", "no-referrer"),
            RawHeader.create("Cache-Control", "no-cache")),
        () -> complete(HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(type, bytes))));
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

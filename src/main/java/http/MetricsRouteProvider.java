package http;

import akka.actor.AbstractExtensionId;
import akka.actor.ExtendedActorSystem;
import akka.actor.ExtensionId;
import akka.actor.ExtensionIdProvider;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.ManagementRouteProvider;
import akka.management.javadsl.ManagementRouteProviderSettings;
import infra.Metrics;

/**
 * {@code GET /metrics} on the Akka Management port (Prometheus text format), registered in cluster.conf under
 * {@code akka.management.http.routes}. Akka Management loads route providers as extensions, hence this shape.
 */
public final class MetricsRouteProvider extends AbstractExtensionId<MetricsRouteProvider.Routes>
    implements ExtensionIdProvider {
  public static final MetricsRouteProvider INSTANCE = new MetricsRouteProvider();

  /** Prometheus text exposition format (0.0.4 is plain text). */
  private static final ContentType.NonBinary PROMETHEUS_TEXT = ContentTypes.TEXT_PLAIN_UTF8;

  @Override
  public ExtensionId<Routes> lookup() {
    return INSTANCE;
  }

  @Override
  public Routes createExtension(ExtendedActorSystem system) {
    return new Routes(Metrics.get(Adapter.toTyped(system)));
  }

  public static final class Routes extends AllDirectives implements ManagementRouteProvider {
    private final Metrics metrics;

    Routes(Metrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
      return path("metrics", () -> get(() ->
          complete(HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS_TEXT, metrics.scrape())))));
    }
  }
}

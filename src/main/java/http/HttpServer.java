package http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Binds the public HTTP endpoint. On CoordinatedShutdown the binding stops accepting connections first and gives
 * in-flight requests {@code orchestrator.http.shutdown-drain} to finish.
 */
public final class HttpServer extends AllDirectives {
  private final ActorSystem<?> system;
  private final ApiErrors errors;

  public HttpServer(ActorSystem<?> system, Json json) {
    this.system = system;
    this.errors = new ApiErrors(json);
  }

  public CompletionStage<ServerBinding> bind(List<Route> routes) {
    Config config = system.settings().config().getConfig("orchestrator.http");
    Route all = errors.handle(concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new)));
    Duration drain = config.getDuration("shutdown-drain");
    return Http.get(system)
        .newServerAt(config.getString("interface"), config.getInt("port"))
        .bind(all)
        .thenApply(binding -> binding.addToCoordinatedShutdown(drain, system));
  }
}

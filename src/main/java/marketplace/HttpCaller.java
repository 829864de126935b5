package marketplace;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.settings.ClientConnectionSettings;
import akka.http.javadsl.settings.ConnectionPoolSettings;
import akka.stream.Materializer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP attempt through Akka HTTP's pooled client: the response body is read fully, and the whole attempt fails
 * with a {@link TimeoutException} after the request timeout. The pool never retries by itself (max-retries 0), so
 * every attempt the adapters make is one they count.
 */
public final class HttpCaller {

  /** A response read into memory. */
  public record Reply(int status, byte[] body, Optional<String> retryAfter) {
    public String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private final ActorSystem<?> system;
  private final Http http;
  private final ConnectionPoolSettings poolSettings;
  private final Materializer materializer;
  private final Duration requestTimeout;

  public HttpCaller(ActorSystem<?> system, MarketplaceConfig.ClientSettings settings) {
    this.system = system;
    this.http = Http.get(system);
    this.requestTimeout = settings.requestTimeout();
    this.materializer = Materializer.matFromSystem(system);
    var classic = Adapter.toClassic(system);
    ClientConnectionSettings connection = ClientConnectionSettings.create(classic)
        .withConnectingTimeout(scala.concurrent.duration.FiniteDuration.create(settings.connectTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        // A connection stuck without data is closed, so a timed-out attempt does not hold a pool slot forever.
        .withIdleTimeout(scala.concurrent.duration.FiniteDuration.create(settings.requestTimeout().toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS));
    this.poolSettings = ConnectionPoolSettings.create(classic)
        .withMaxRetries(0)
        .withMaxConnections(settings.maxConnectionsPerHost())
        .withMaxOpenRequests(256)
        .withConnectionSettings(connection);
  }

  public CompletionStage<Reply> send(HttpRequest request) {
    CompletableFuture<Reply> result = new CompletableFuture<>();
    Cancellable timer = Adapter.toClassic(system).scheduler().scheduleOnce(requestTimeout,
        () -> result.completeExceptionally(new TimeoutException(
            "no response within " + requestTimeout.toMillis() + " ms")), system.executionContext());
    http.singleRequest(request, http.defaultClientHttpsContext(), poolSettings, system.classicSystem().log())
        .thenCompose(response -> response.entity().toStrict(requestTimeout.toMillis(), materializer)
            .thenApply(strict -> new Reply(response.status().intValue(), strict.getData().toArray(),
                response.getHeader("Retry-After").map(h -> h.value()))))
        .whenComplete((reply, error) -> {
          timer.cancel();
          if (error != null) result.completeExceptionally(error);
          else result.complete(reply);
        });
    return result;
  }

  /** A query parameter, percent-encoded (spaces as %20, as the platforms sign them). */
  public static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The reply's Retry-After in seconds, at most a minute; null when absent or not a number. */
  public static Duration retryAfter(Reply reply) {
    return reply.retryAfter().flatMap(v -> {
      try {
        return java.util.Optional.of(Duration.ofSeconds(Math.min(60, Long.parseLong(v.trim()))));
      } catch (NumberFormatException e) {
        return java.util.Optional.empty();
      }
    }).orElse(null);
  }

  /** A response body short enough for an error message. */
  public static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}

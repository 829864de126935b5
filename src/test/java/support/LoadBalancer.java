package support;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.Materializer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A round-robin HTTP load balancer in front of the nodes, as a marketplace would see a cluster: a request goes to the
 * next node; when that node cannot be reached it goes to the one after; 502 when none can.
 */
public final class LoadBalancer implements AutoCloseable {
  private final ActorSystem<?> system;
  private final Supplier<List<String>> backends;
  private final AtomicInteger next = new AtomicInteger();
  private final ServerBinding binding;

  public LoadBalancer(ActorSystem<?> system, Supplier<List<String>> backends) {
    this.system = system;
    this.backends = backends;
    Materializer materializer = Materializer.matFromSystem(system);
    try {
      this.binding = Http.get(system).newServerAt("127.0.0.1", 0)
          .bind((akka.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>>) request ->
              request.entity().toStrict(10_000, materializer)
                  .thenCompose(strict -> forward(request.withEntity(strict), backends.get(), 0)))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + binding.localAddress().getPort() + path;
  }

  private CompletionStage<HttpResponse> forward(HttpRequest request, List<String> nodes, int tried) {
    if (nodes.isEmpty() || tried >= nodes.size()) {
      return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.BAD_GATEWAY));
    }
    String base = nodes.get(Math.floorMod(next.getAndIncrement(), nodes.size()));
    HttpRequest out = HttpRequest.create(base + request.getUri().path()
            + request.getUri().rawQueryString().map(q -> "?" + q).orElse(""))
        .withMethod(request.method()).withEntity(request.entity())
        .addHeaders(java.util.stream.StreamSupport.stream(request.getHeaders().spliterator(), false)
            .filter(h -> !h.is("timeout-access") && !h.is("host") && !h.is("content-type")
                && !h.is("content-length")).toList());
    return Http.get(system).singleRequest(out)
        .thenCompose(response -> response.entity().toStrict(10_000, Materializer.matFromSystem(system))
            .thenApply(response::withEntity))
        .exceptionallyCompose(e -> forward(request, nodes, tried + 1));
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
  }
}

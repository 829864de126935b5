package tools.sandbox;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.Materializer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;

/** Posts a signed webhook to the service and redelivers it as the platforms do. */
final class WebhookSender {
  private final ActorSystem<?> system;
  /**
   * A marketplace delivers many webhooks at once: Akka HTTP's default pool (4 connections, 32 queued requests)
   * would queue them in the sender, and turn the 33rd concurrent one into a failed delivery before it is sent.
   */
  private final akka.http.javadsl.settings.ConnectionPoolSettings deliveryPool;
  private final Materializer materializer;
  private final Delays delays;

  WebhookSender(ActorSystem<?> system, Delays delays) {
    this.system = system;
    this.deliveryPool = akka.http.javadsl.settings.ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(256).withMaxOpenRequests(1024).withMaxRetries(0);
    this.materializer = Materializer.matFromSystem(system);
    this.delays = delays;
  }

  CompletionStage<Delivery> deliver(String url, byte[] body, Map<String, String> headers,
      Redelivery redelivery, String eventId) {
    return attemptDelivery(url, body, headers, redelivery, eventId, 1);
  }

  private CompletionStage<Delivery> attemptDelivery(String url, byte[] body, Map<String, String> headers,
      Redelivery redelivery, String eventId, int attempt) {
    HttpRequest request = HttpRequest.POST(url).withEntity(ContentTypes.APPLICATION_JSON, body);
    for (var h : headers.entrySet()) request = request.addHeader(RawHeader.create(h.getKey(), h.getValue()));
    Http http = Http.get(system);
    return http.singleRequest(request, http.defaultClientHttpsContext(), deliveryPool, system.classicSystem().log())
        .thenCompose(r -> r.discardEntityBytes(materializer).completionStage().thenApply(d -> r.status().intValue()))
        .exceptionally(e -> 0)
        .thenCompose(status -> {
          boolean delivered = status >= 200 && status < 300;
          if (delivered || attempt >= redelivery.maxAttempts()) {
            return CompletableFuture.completedFuture(new Delivery(status, attempt, eventId));
          }
          return delays.after(redelivery.interval(),
              () -> attemptDelivery(url, body, headers, redelivery, eventId, attempt + 1))
              .thenCompose(s -> s);
        });
  }
}

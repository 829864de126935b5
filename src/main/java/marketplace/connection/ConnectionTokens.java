package marketplace.connection;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import marketplace.AccessToken;
import marketplace.FailureClass;
import marketplace.MarketCallException;
import marketplace.ShopTokens;

/**
 * The clients' tokens on this node: each shop's current token, kept here until its refresh is due and then asked of
 * the shop's connection entity again (which refreshes it, once, for the whole cluster). Concurrent callers that miss
 * share one ask. A refused token is never retried from here: {@link #renew} asks the entity for a newer one.
 */
final class ConnectionTokens implements ShopTokens {
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Map<String, AccessToken> cached = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<AccessToken>> asking = new ConcurrentHashMap<>();

  ConnectionTokens(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<AccessToken> current(Channel channel, String shopId) {
    String id = ShopConnection.entityId(channel, shopId);
    AccessToken token = cached.get(id);
    if (token != null && (token.refreshDueAt() == null || Instant.now().isBefore(token.refreshDueAt()))) {
      return CompletableFuture.completedFuture(token);
    }
    return ask(channel, shopId, id, ShopConnection.GetToken::new);
  }

  @Override
  public CompletionStage<AccessToken> renew(Channel channel, String shopId, String rejected) {
    String id = ShopConnection.entityId(channel, shopId);
    AccessToken token = cached.get(id);
    if (token != null && !token.token().equals(rejected)) return CompletableFuture.completedFuture(token);
    cached.remove(id);
    return ask(channel, shopId, id, replyTo -> new ShopConnection.Renew(rejected, replyTo));
  }

  /** Forgets the shop's token here (its connection ended or changed): the next call asks the entity. */
  void forget(Channel channel, String shopId) {
    cached.remove(ShopConnection.entityId(channel, shopId));
  }

  private CompletionStage<AccessToken> ask(Channel channel, String shopId, String id,
      Function<akka.actor.typed.ActorRef<ShopConnection.TokenReply>, ShopConnection.Command> message) {
    CompletableFuture<AccessToken> started = new CompletableFuture<>();
    CompletableFuture<AccessToken> existing = asking.putIfAbsent(id, started);
    if (existing != null) return existing;
    ClusterSharding.get(system).entityRefFor(ShopConnection.ENTITY_TYPE_KEY, id)
        .<ShopConnection.TokenReply>ask(message::apply, timeout)
        .whenComplete((reply, error) -> {
          asking.remove(id, started);
          if (error != null) {
            started.completeExceptionally(new MarketCallException(channel, shopId, "token", "connection_unavailable",
                "the shop's connection did not answer in " + timeout.toSeconds() + " s", 1, FailureClass.RETRY,
                null, error));
          } else if (reply instanceof ShopConnection.TokenGranted granted) {
            cached.put(id, granted.token());
            started.complete(granted.token());
          } else {
            ShopConnection.TokenRefused refused = (ShopConnection.TokenRefused) reply;
            cached.remove(id);
            started.completeExceptionally(new MarketCallException(channel, shopId, "token", refused.code(),
                refused.reason(), 1, refused.failureClass(), null, null));
          }
        });
    return started;
  }
}

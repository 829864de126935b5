package adapters;

import actors.CborSerializable;
import actors.Channel;
import actors.OrderDetails;
import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Protocol of the adapter actor of one (channel, shop): the single place in the cluster that talks to that shop's
 * marketplace API (credentials, token refresh, rate limit, circuit breaker). Sharded; entity id {@link #entityId}.
 */
public final class ShopAdapter {
  private ShopAdapter() {}

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopAdapter");

  public static String entityId(Channel channel, String shopId) {
    return channel.key() + "|" + shopId;
  }

  public sealed interface Command extends CborSerializable permits FetchOrder, CancelOrder {}

  /** Fetch the order's details (lines, buyer, amounts) from the marketplace. */
  public record FetchOrder(String orderId, ActorRef<FetchReply> replyTo) implements Command {}

  public sealed interface FetchReply extends CborSerializable permits OrderFetched, FetchFailed {}

  public record OrderFetched(OrderDetails details) implements FetchReply {}

  /** @param retryable false when asking again cannot help (order does not exist, shop not configured) */
  public record FetchFailed(String orderId, String error, boolean retryable) implements FetchReply {}

  /** Cancel the order on the marketplace (out of stock). */
  public record CancelOrder(String orderId, String reason, ActorRef<CancelReply> replyTo) implements Command {}

  public sealed interface CancelReply extends CborSerializable permits OrderCancelled, CancelFailed {}

  public record OrderCancelled(String orderId) implements CancelReply {}

  public record CancelFailed(String orderId, String error, boolean retryable) implements CancelReply {}
}

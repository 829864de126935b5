package adapters;

import actors.CborSerializable;
import actors.Channel;
import actors.OrderDetails;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The adapter actor of one (channel, shop): the single place in the cluster that calls that shop's marketplace API,
 * so its credentials, token refresh, rate limit and circuit breaker hold for the whole cluster. Sharded; entity id
 * {@link #entityId}. Not persistent: everything it does is asked again by the persistent order entities when lost.
 *
 * <p>Detail fetches are batched: the first request goes out at once, the ones that arrive while calls are in flight
 * wait and leave together (up to 50 order numbers per call, the platforms' limit), so a flash sale of 2,000 orders
 * costs tens of calls, not thousands, against a per-shop rate limit.
 */
public final class ShopAdapter extends AbstractBehavior<ShopAdapter.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopAdapter");
  static final int MAX_ORDERS_PER_CALL = 50;
  static final int MAX_CALLS_IN_FLIGHT = 4;

  public static String entityId(Channel channel, String shopId) {
    return channel.key() + "|" + shopId;
  }

  public static void init(ActorSystem<?> system) {
    Marketplaces marketplaces = Marketplaces.get(system);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> {
      String[] parts = ctx.getEntityId().split("\\|", 2);
      return create(Channel.fromKey(parts[0]), parts[1], marketplaces);
    }));
  }

  public static Behavior<Command> create(Channel channel, String shopId, Marketplaces marketplaces) {
    return Behaviors.setup(ctx -> new ShopAdapter(ctx, channel, shopId, marketplaces));
  }

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  /** Fetch the order's details (lines, buyer, amounts) from the marketplace. */
  public record FetchOrder(String orderId, ActorRef<FetchReply> replyTo) implements Command {}

  public sealed interface FetchReply extends CborSerializable permits OrderFetched, FetchFailed {}

  public record OrderFetched(OrderDetails details) implements FetchReply {}

  /** @param retryable false when asking again cannot help (shop not configured, channel without an API) */
  public record FetchFailed(String orderId, String error, boolean retryable) implements FetchReply {}

  /**
   * Cancel the order on the marketplace (out of stock).
   *
   * @param listingRefs the order's lines as the platform knows them (Shopee {@code itemId:modelId}), which Shopee's
   *     cancel call needs
   */
  public record CancelOrder(String orderId, String reason, List<String> listingRefs, ActorRef<CancelReply> replyTo)
      implements Command {}

  public sealed interface CancelReply extends CborSerializable permits OrderCancelled, CancelFailed {}

  public record OrderCancelled(String orderId) implements CancelReply {}

  public record CancelFailed(String orderId, String error, boolean retryable) implements CancelReply {}

  /** Internal: a detail call finished. {@code error} is null on success. */
  record FetchDone(List<String> orderIds, List<OrderDetails> found, String error, boolean retryable)
      implements Command {}

  // ---------------------------------------------------------------- behaviour

  private final Channel channel;
  private final String shopId;
  private final Marketplaces marketplaces;
  /** Order id → everyone waiting for it, in arrival order. */
  private final Map<String, List<ActorRef<FetchReply>>> waiting = new LinkedHashMap<>();
  private final Queue<String> queue = new ArrayDeque<>();
  private int callsInFlight;

  private ShopAdapter(ActorContext<Command> context, Channel channel, String shopId, Marketplaces marketplaces) {
    super(context);
    this.channel = channel;
    this.shopId = shopId;
    this.marketplaces = marketplaces;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FetchOrder.class, this::onFetch)
        .onMessage(FetchDone.class, this::onFetchDone)
        .onMessage(CancelOrder.class, this::onCancel)
        .build();
  }

  private Behavior<Command> onFetch(FetchOrder fetch) {
    if (!configured()) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " shop " + shopId + " is not configured",
          false));
      return this;
    }
    if (channel != Channel.SHOPEE && channel != Channel.TIKTOK) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " orders carry their details", false));
      return this;
    }
    List<ActorRef<FetchReply>> replyTos = waiting.get(fetch.orderId());
    if (replyTos == null) {
      waiting.put(fetch.orderId(), new ArrayList<>(List.of(fetch.replyTo())));
      queue.add(fetch.orderId());
    } else if (!replyTos.contains(fetch.replyTo())) {
      replyTos.add(fetch.replyTo()); // already queued or in flight: answered with the same call
    }
    flush();
    return this;
  }

  /** Starts calls while there is room: each takes up to 50 queued order ids. */
  private void flush() {
    while (callsInFlight < MAX_CALLS_IN_FLIGHT && !queue.isEmpty()) {
      List<String> ids = new ArrayList<>();
      while (ids.size() < MAX_ORDERS_PER_CALL && !queue.isEmpty()) ids.add(queue.poll());
      callsInFlight++;
      CompletionStage<List<OrderDetails>> call = channel == Channel.SHOPEE
          ? marketplaces.shopee().getOrderDetails(shopId, ids)
          : marketplaces.tiktok().getOrderDetails(shopId, ids);
      getContext().pipeToSelf(call, (found, error) -> error == null
          ? new FetchDone(ids, found, null, true)
          : new FetchDone(ids, List.of(), describe(error), retryable(error)));
    }
  }

  private Behavior<Command> onFetchDone(FetchDone done) {
    callsInFlight--;
    Map<String, OrderDetails> byId = new HashMap<>();
    for (OrderDetails details : done.found()) byId.put(details.orderId(), details);
    for (String id : done.orderIds()) {
      List<ActorRef<FetchReply>> replyTos = waiting.remove(id);
      if (replyTos == null) continue;
      OrderDetails details = byId.get(id);
      FetchReply reply = details != null ? new OrderFetched(details)
          : done.error() != null ? new FetchFailed(id, done.error(), done.retryable())
          // not (yet) visible on the platform: the order entity asks again with back-off
          : new FetchFailed(id, "order not returned by " + channel.key(), true);
      replyTos.forEach(r -> r.tell(reply));
    }
    flush();
    return this;
  }

  private Behavior<Command> onCancel(CancelOrder cancel) {
    if (!configured() || (channel != Channel.SHOPEE && channel != Channel.TIKTOK)) {
      cancel.replyTo().tell(new CancelFailed(cancel.orderId(), channel.key() + " shop " + shopId
          + " cannot cancel orders through an API", false));
      return this;
    }
    CompletionStage<?> call;
    if (channel == Channel.SHOPEE) {
      List<ShopeeClient.ItemModel> items = new ArrayList<>();
      for (String ref : cancel.listingRefs()) {
        String[] ids = ref == null ? new String[0] : ref.split(":");
        if (ids.length == 2) {
          try {
            items.add(new ShopeeClient.ItemModel(Long.parseLong(ids[0]), Long.parseLong(ids[1])));
          } catch (NumberFormatException ignored) {
            // not a Shopee listing reference
          }
        }
      }
      call = marketplaces.shopee().cancelOrder(shopId, cancel.orderId(), items);
    } else {
      call = marketplaces.tiktok().cancelOrder(shopId, cancel.orderId());
    }
    ActorRef<CancelReply> replyTo = cancel.replyTo();
    call.whenComplete((ok, error) -> replyTo.tell(error == null
        ? new OrderCancelled(cancel.orderId())
        : new CancelFailed(cancel.orderId(), describe(error), retryable(error))));
    return this;
  }

  private boolean configured() {
    MarketplaceConfig config = marketplaces.config();
    return switch (channel) {
      case SHOPEE -> config.shopeeShop(shopId).isPresent();
      case TIKTOK -> config.tiktokShop(shopId).isPresent();
      case WHATSAPP -> config.whatsAppNumber(shopId).isPresent();
      case PHONE -> false;
    };
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static String describe(Throwable error) {
    Throwable e = unwrap(error);
    return e instanceof MarketCallException m ? m.code() + ": " + m.getMessage() : e.getClass().getSimpleName();
  }

  private static boolean retryable(Throwable error) {
    Throwable e = unwrap(error);
    return !(e instanceof MarketCallException m) || m.retryable();
  }
}

package order;

import akka.actor.typed.ActorRef;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import order.OrderEvents.*;
import order.OrderState.Cancelling;
import order.OrderState.Confirmed;
import order.OrderState.Fetching;
import order.OrderState.NeedsMapping;
import order.OrderState.OutOfStock;
import order.OrderState.Reserving;
import order.OrderState.Returned;
import order.OrderState.Shipping;
import order.OrderState.State;
import sku.SkuEntity;

/**
 * The order's stock reservation saga as pure decisions: what each phase waits for (so sends, and sends again), how
 * long to wait before asking again, and which events a marketplace status or a peer's reply leads to. The replies of
 * the SKU entities and the shop adapter are read here and nowhere else. No actor and no clock: the entity passes the
 * time, persists the events and sends the messages.
 */
final class OrderSaga {
  private final String orderKey;
  private final OrderSettings settings;
  private final BuyerNotifications notifications;

  OrderSaga(String orderKey, OrderSettings settings, BuyerNotifications notifications) {
    this.orderKey = orderKey;
    this.settings = settings;
    this.notifications = notifications;
  }

  String orderKey() {
    return orderKey;
  }

  // ---------------------------------------------------------------- what the order waits for

  /** Where the peers answer: the entity's message adapters. */
  record ReplyTo(ActorRef<SkuEntity.ReservationReply> sku, ActorRef<ShopAdapter.FetchReply> fetch,
                 ActorRef<ShopAdapter.CancelReply> cancel, ActorRef<WhatsAppSender.SendReply> send) {}

  /** A message the order waits to have answered; {@code key} names it so it is sent once per round. */
  sealed interface Outgoing {
    String key();

    void sendVia(OrderPeers peers);
  }

  record ToSku(String key, String sku, SkuEntity.Command message) implements Outgoing {
    @Override
    public void sendVia(OrderPeers peers) {
      peers.sku(sku).tell(message);
    }
  }

  record ToShop(String key, Channel channel, String shopId, ShopAdapter.Command message) implements Outgoing {
    @Override
    public void sendVia(OrderPeers peers) {
      peers.shop(channel, shopId).tell(message);
    }
  }

  /** A buyer notification: unlike the SKU and shop commands it is not idempotent (WhatsApp has no such key). */
  record ToBuyer(String key, String phoneNumberId, WhatsAppSender.Command message) implements Outgoing {
    @Override
    public void sendVia(OrderPeers peers) {
      peers.whatsApp(phoneNumberId).tell(message);
    }
  }

  static String notificationKey(NotificationKind kind) {
    return "notify:" + kind;
  }

  /** What {@code state} waits for; empty when it waits for nothing. */
  List<Outgoing> outstanding(State state, ReplyTo replyTo) {
    OrderData d = state.data();
    List<Outgoing> out = new ArrayList<>();
    if (state instanceof Fetching) {
      out.add(new ToShop("fetch", channel(d), shopId(d),
          new ShopAdapter.FetchOrder(d.identity().orderId(), replyTo.fetch())));
    } else if (state instanceof Reserving || state instanceof NeedsMapping) {
      Set<String> toReserve = new TreeSet<>(d.pendingReservations());
      toReserve.addAll(d.contents().unknownSkus()); // an unknown SKU may exist by now
      for (String sku : toReserve) {
        int quantity = d.contents().skuLines().getOrDefault(sku, 0);
        out.add(new ToSku("reserve:" + sku, sku,
            new SkuEntity.Reserve(orderKey, quantity, d.stock().holdUntil(), replyTo.sku())));
      }
    } else if (state instanceof Confirmed) {
      if (d.market().status() != MarketStatus.UNPAID && d.stock().holdUntil() != null) {
        for (String sku : d.contents().skuLines().keySet()) {
          if (!d.stock().holdCleared().contains(sku)) {
            out.add(new ToSku("clear:" + sku, sku, new SkuEntity.ClearHold(orderKey, replyTo.sku())));
          }
        }
      }
    } else if (state instanceof OutOfStock o) {
      if (!o.compensated()) {
        releaseAll(d, replyTo, out);
      } else if (o.action() == OutOfStockAction.CANCEL_ON_MARKETPLACE && !o.marketplaceCancelled()
          && channel(d).hasMarketplaceApi()) {
        // "OUT_OF_STOCK" is the marketplace's cancel reason here, not the order's phase
        out.add(new ToShop("cancel-on-marketplace", channel(d), shopId(d), new ShopAdapter.CancelOrder(
            d.identity().orderId(), "OUT_OF_STOCK", d.contents().listingRefs(), replyTo.cancel())));
      }
    } else if (state instanceof Cancelling) {
      releaseAll(d, replyTo, out);
    } else if (state instanceof Shipping) {
      for (String sku : d.contents().skuLines().keySet()) {
        if (!d.stock().committed().contains(sku)) {
          out.add(new ToSku("commit:" + sku, sku, new SkuEntity.Commit(orderKey, replyTo.sku())));
        }
      }
    } else if (state instanceof Returned r && r.restocking()) {
      for (Map.Entry<String, Integer> line : d.contents().skuLines().entrySet()) {
        String sku = line.getKey();
        if (!d.stock().restocked().contains(sku)) {
          out.add(new ToSku("restock:" + sku, sku,
              new SkuEntity.ReturnToStock(orderKey, line.getValue(), "order " + orderKey, replyTo.sku())));
        }
      }
    }
    // Blank, Shipped, Delivered, Completed, Cancelled and a Returned order awaiting an operator wait for nothing
    // from the saga. Whatever the phase, the oldest pending buyer notification is sent.
    if (d != null) {
      BuyerNotifications.next(d).ifPresent(n -> out.add(new ToBuyer(notificationKey(n.kind()), n.phoneNumberId(),
          notifications.send(n, replyTo.send()))));
    }
    return out;
  }

  private void releaseAll(OrderData d, ReplyTo replyTo, List<Outgoing> out) {
    for (String sku : d.allSkus()) {
      if (!d.stock().released().contains(sku)) {
        out.add(new ToSku("release:" + sku, sku, new SkuEntity.Release(orderKey, replyTo.sku())));
      }
    }
  }

  /**
   * How long to wait for answers after {@code attemptsSoFar} unanswered rounds: doubling from retry-min up to
   * retry-max, plus up to a fifth more ({@code random} is in [0, 1)) so that orders of one burst spread out.
   */
  Duration backoff(int attemptsSoFar, double random) {
    long min = settings.retryMin().toMillis();
    long delay = Math.min(settings.retryMax().toMillis(), min << Math.min(attemptsSoFar, 10));
    long jitter = (long) (delay * 0.2 * random);
    return Duration.ofMillis(delay + jitter);
  }

  // ---------------------------------------------------------------- marketplace statuses

  /** What a marketplace status that moves the order forward changes right away, in one phase. */
  @FunctionalInterface
  interface StatusReaction {
    List<Event> react(OrderData d, MarketStatus status, Instant now);
  }

  /**
   * The events of a status report on a known order: none for a duplicate delivery; a report that does not move the
   * order forward (late, or the same rank again) is recorded, not acted on.
   */
  List<Event> statusReport(OrderData d, String rawStatus, MarketStatus status, String dedupId,
                           StatusReaction reaction, Instant now) {
    boolean sameStatusAgain = dedupId == null && rawStatus != null && rawStatus.equals(d.market().rawStatus());
    if (d.market().seen(dedupId) || sameStatusAgain) return List.of();
    boolean forward = status.rank() > d.market().status().rank()
        || (status == MarketStatus.PAID && d.stock().holdUntil() != null);
    List<Event> events = new ArrayList<>();
    events.add(new StatusRecorded(orderKey, rawStatus, status, dedupId, forward, now));
    if (forward) events.addAll(reaction.react(d, status, now));
    return events;
  }

  /** An operator confirms a payment made outside a marketplace; none when the order is paid already. */
  List<Event> paymentConfirmed(OrderData d, String by, StatusReaction reaction, Instant now) {
    if (d.market().status() != MarketStatus.UNPAID) return List.of();
    List<Event> events = new ArrayList<>();
    events.add(new StatusRecorded(orderKey, "PAID (confirmed by " + by + ")", MarketStatus.PAID, null, true, now));
    events.addAll(reaction.react(d, MarketStatus.PAID, now));
    return events;
  }

  private static boolean cancelledOrReturned(MarketStatus status) {
    return status == MarketStatus.CANCELLED || status == MarketStatus.RETURN_REQUESTED;
  }

  /** NOTIFIED, RESERVING, NEEDS_MAPPING. PAID clears holds (once confirmed), SHIPPED waits for the confirmation. */
  List<Event> statusBeforeConfirmation(OrderData d, MarketStatus status, Instant now) {
    return cancelledOrReturned(status) ? cancel(d, "marketplace", "cancelled on the marketplace", now) : List.of();
  }

  List<Event> statusWhileConfirmed(OrderData d, MarketStatus status, Instant now) {
    if (cancelledOrReturned(status)) return cancel(d, "marketplace", "cancelled on the marketplace", now);
    if (status.rank() >= MarketStatus.SHIPPED.rank()) {
      return List.of(new ShipRequested(orderKey, null, "marketplace", now));
    }
    return List.of();
  }

  List<Event> statusWhileOutOfStock(OrderData d, MarketStatus status, Instant now) {
    return cancelledOrReturned(status) ? List.of(new MarketplaceCancelled(orderKey, now)) : List.of();
  }

  /** SHIPPING and COMPLETED: the goods left, so a cancellation is a return. */
  List<Event> statusAfterHandover(OrderData d, MarketStatus status, Instant now) {
    return cancelledOrReturned(status) ? List.of(new ReturnRequested(orderKey, "marketplace", now)) : List.of();
  }

  List<Event> statusWhileShipped(OrderData d, MarketStatus status, Instant now) {
    if (status == MarketStatus.DELIVERED) return List.of(new OrderDelivered(orderKey, now));
    if (status == MarketStatus.COMPLETED) return List.of(new OrderCompleted(orderKey, now));
    return statusAfterHandover(d, status, now);
  }

  List<Event> statusWhileDelivered(OrderData d, MarketStatus status, Instant now) {
    if (status == MarketStatus.COMPLETED) return List.of(new OrderCompleted(orderKey, now));
    return statusAfterHandover(d, status, now);
  }

  /** CANCELLING, CANCELLED, RETURNED: the order is on its way out; a status changes nothing more. */
  static List<Event> statusChangesNothing(OrderData d, MarketStatus status, Instant now) {
    return List.of();
  }

  // ---------------------------------------------------------------- commands

  /** Cancel before shipping: release what may be held, or finish at once when nothing can be held yet. */
  List<Event> cancel(OrderData d, String by, String reason, Instant now) {
    List<Event> events = new ArrayList<>();
    events.add(new CancelRequested(orderKey, by, reason, now));
    if (d.allSkus().isEmpty()) events.add(new OrderCancelled(orderKey, by, reason, d.contents().skuLines(), now));
    return events;
  }

  /** {@code buyerData}: what the buyer data store holds for the order instead of the details (null: nothing). */
  DetailsReceived detailsReceived(OrderDetails details, MarketStatus status, Instant now) {
    return detailsReceived(details, status, now, null);
  }

  DetailsReceived detailsReceived(OrderDetails details, MarketStatus status, Instant now,
                                  OrderEvents.BuyerDataHeld buyerData) {
    Map<String, Integer> lines = new TreeMap<>();
    List<String> unmapped = new ArrayList<>();
    for (int i = 0; i < details.lines().size(); i++) {
      OrderDetails.Line line = details.lines().get(i);
      if (line.quantity() <= 0) continue;
      if (line.sellerSku() == null || line.sellerSku().isBlank()) {
        unmapped.add(line.listingRef() != null ? line.listingRef() : "line-" + i);
      } else {
        lines.merge(line.sellerSku(), line.quantity(), Integer::sum);
      }
    }
    MarketStatus effective = details.marketStatus() != null && details.marketStatus().rank() > status.rank()
        ? details.marketStatus() : status;
    Instant hold = effective == MarketStatus.UNPAID ? now.plus(settings.unpaidHold()) : null;
    return new DetailsReceived(orderKey, details, Map.copyOf(lines), List.copyOf(unmapped), hold, now, buyerData);
  }

  /**
   * A tracking number reported by the marketplace; none when it is known already. {@code buyerWaitsForIt} in a
   * phase where the buyer is told of shipping once the number is known.
   */
  List<Event> tracking(OrderData d, String trackingNumber, boolean buyerWaitsForIt, Instant now) {
    if (trackingNumber == null || trackingNumber.equals(d.trackingNumber())) return List.of();
    List<Event> events = new ArrayList<>();
    events.add(new TrackingRecorded(orderKey, trackingNumber, now));
    if (buyerWaitsForIt) {
      notifications.due(d, NotificationKind.SHIPPED, trackingNumber, now).ifPresent(events::add);
    }
    return events;
  }

  /** An operator maps {@code lineRef} (unmapped, or an unknown SKU code) onto {@code sku}; checked by the caller. */
  List<Event> lineMapped(OrderData d, String lineRef, String sku, String by, Instant now) {
    int quantity = d.contents().unknownSkus().contains(lineRef)
        ? d.contents().skuLines().getOrDefault(lineRef, 0)
        : d.contents().quantityOfUnmapped(lineRef);
    LineMapped mapped = new LineMapped(orderKey, lineRef, sku, quantity, by, now);
    List<Event> events = new ArrayList<>();
    events.add(mapped);
    if (d.withMapped(mapped).allReserved()) { // confirmed by this mapping (see Known.onLineMapped)
      notifications.due(d, NotificationKind.CONFIRMED, null, now).ifPresent(events::add);
    }
    return events;
  }

  // ---------------------------------------------------------------- replies from peers

  /**
   * What a reply changes: the events to persist (none: nothing changes), whether the order then sends what its new
   * state waits for, and a warning to log (null for none).
   */
  record Step(List<Event> events, boolean thenDrive, String warning) {
    static final Step NOTHING = new Step(List.of(), false, null);

    static Step persist(Event event) {
      return new Step(List.of(event), false, null);
    }

    static Step persistAndDrive(List<Event> events) {
      return new Step(List.copyOf(events), true, null);
    }

    static Step persistAndDrive(Event event) {
      return persistAndDrive(List.of(event));
    }

    static Step warn(String warning) {
      return new Step(List.of(), false, warning);
    }

    Step withWarning(String text) {
      return new Step(events, thenDrive, text);
    }
  }

  Step fetchReply(Fetching state, ShopAdapter.FetchReply reply, Instant now) {
    return fetchReply(state, reply, now, null);
  }

  /** {@code buyerData}: what the buyer data store holds of the fetched order (its details come without it). */
  Step fetchReply(Fetching state, ShopAdapter.FetchReply reply, Instant now, OrderEvents.BuyerDataHeld buyerData) {
    OrderData d = state.data();
    if (reply instanceof ShopAdapter.OrderFetched fetched) {
      List<Event> events = new ArrayList<>();
      events.add(detailsReceived(fetched.details(), d.market().status(), now, buyerData));
      if (fetched.details().marketStatus() == MarketStatus.CANCELLED || d.market().status() == MarketStatus.CANCELLED) {
        // cancelled before we reserved anything: nothing to release
        events.add(new CancelRequested(orderKey, "marketplace", "cancelled on the marketplace", now));
        events.add(new OrderCancelled(orderKey, "marketplace", "cancelled on the marketplace", Map.of(), now));
      }
      return Step.persistAndDrive(events);
    }
    ShopAdapter.FetchFailed failed = (ShopAdapter.FetchFailed) reply;
    return Step.warn("Fetching order " + orderKey + " failed: " + failed.error()); // the retry timer asks again
  }

  /** RESERVING, NEEDS_MAPPING. */
  Step reserveReply(OrderData d, SkuEntity.ReservationReply reply, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return Step.NOTHING;
    String sku = reply.sku();
    if (reply instanceof SkuEntity.ReserveAccepted reserved) {
      if (d.stock().reserved().containsKey(sku)) return Step.NOTHING;
      if (!d.withReserved(sku, reserved.quantity(), now).allReserved()) {
        return Step.persistAndDrive(new SkuReserved(orderKey, sku, reserved.quantity(), now));
      }
      // The last line's reservation is recorded by the confirmation itself (it reserves every line): one
      // journal row less per order, which every projection would read back too.
      List<Event> events = new ArrayList<>();
      events.add(new OrderConfirmed(orderKey, d.identity().channel(), d.contents().skuLines(),
          d.contents().buyerPhone(), d.stock().holdUntil(), now));
      notifications.due(d, NotificationKind.CONFIRMED, null, now).ifPresent(events::add);
      MarketStatus market = d.market().status();
      if (market.rank() >= MarketStatus.SHIPPED.rank() && market.rank() < 5) {
        events.add(new ShipRequested(orderKey, null, "marketplace", now)); // shipped before we confirmed
      }
      return Step.persistAndDrive(events);
    }
    if (reply instanceof SkuEntity.ReservationRefused refused) {
      if (refused.reason() == SkuEntity.RefusalReason.UNKNOWN_SKU) {
        if (d.contents().unknownSkus().contains(sku)) return Step.NOTHING;
        return Step.persistAndDrive(new SkuUnknown(orderKey, sku, now));
      }
      if (refused.reason() == SkuEntity.RefusalReason.OVERLOADED) {
        return Step.NOTHING; // asked again by the retry timer
      }
      if (refused.reason() == SkuEntity.RefusalReason.INSUFFICIENT_STOCK && inGrace(d, now)) {
        return Step.NOTHING; // asked again by the retry timer: a cancellation on its way may free the units
      }
      List<Event> declared = new ArrayList<>();
      declared.add(new OutOfStockDeclared(orderKey, sku, d.contents().skuLines().getOrDefault(sku, 0),
          refused.available(), refused.reason() + ": " + refused.message(), now));
      // a WhatsApp or phone buyer ordered what is gone: told it sold out (no marketplace accepted it, nothing to cancel)
      if (d.identity().channel() != null && !d.identity().channel().hasMarketplaceApi()) {
        notifications.due(d, NotificationKind.SOLD_OUT, null, now).ifPresent(declared::add);
      }
      return Step.persistAndDrive(declared);
    }
    return Step.NOTHING;
  }

  /** A marketplace order still inside {@code out-of-stock-grace} of its first notice. */
  private boolean inGrace(OrderData d, Instant now) {
    Instant created = d.identity() == null ? null : d.identity().createdAt();
    return created != null && d.identity().channel() != null && d.identity().channel().hasMarketplaceApi()
        && settings.outOfStockGrace().compareTo(java.time.Duration.ZERO) > 0
        && now.isBefore(created.plus(settings.outOfStockGrace()));
  }

  /** CONFIRMED: a cleared hold once paid, or the news that an unpaid hold expired before payment. */
  Step holdReply(OrderData d, SkuEntity.ReservationReply reply, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return Step.NOTHING;
    String sku = reply.sku();
    if (reply instanceof SkuEntity.ClearHoldAccepted && !d.stock().holdCleared().contains(sku)) {
      return Step.persist(new SkuHoldCleared(orderKey, sku, now));
    }
    if (reply instanceof SkuEntity.ReservationRefused r && d.stock().holdUntil() != null
        && (r.reason() == SkuEntity.RefusalReason.NOT_RESERVED
            || r.reason() == SkuEntity.RefusalReason.ALREADY_FINISHED)) {
      // The unpaid hold expired at the SKU before payment arrived: the units are gone.
      return Step.persistAndDrive(new OutOfStockDeclared(orderKey, sku, d.contents().skuLines().getOrDefault(sku, 0),
          r.available(), "hold expired before payment", now));
    }
    return Step.NOTHING;
  }

  /** OUT_OF_STOCK before compensation finished: once every SKU released, the policy says what happens next. */
  Step releaseWhileOutOfStock(OutOfStock state, SkuEntity.ReservationReply reply, Instant now) {
    return releaseReply(state.data(), reply, compensationFinished(settings.cancelOutOfStock()
        ? OutOfStockAction.CANCEL_ON_MARKETPLACE : OutOfStockAction.HOLD_FOR_OPERATOR, now), now);
  }

  /** CANCELLING: once every SKU released, the order is cancelled. */
  Step releaseWhileCancelling(Cancelling state, SkuEntity.ReservationReply reply, Instant now) {
    return releaseReply(state.data(), reply,
        new OrderCancelled(orderKey, state.by(), state.reason(), state.data().contents().skuLines(), now), now);
  }

  private Step releaseReply(OrderData d, SkuEntity.ReservationReply reply, Event whenAllReleased, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return Step.NOTHING;
    String sku = reply.sku();
    if (!isReleaseOutcome(reply) || d.stock().released().contains(sku)) return Step.NOTHING;
    int quantity = reply instanceof SkuEntity.ReleaseAccepted released ? released.quantity() : 0;
    List<Event> events = new ArrayList<>();
    events.add(new SkuReleased(orderKey, sku, quantity, now));
    Set<String> released = new TreeSet<>(d.stock().released());
    released.add(sku);
    if (released.containsAll(d.allSkus())) events.add(whenAllReleased);
    return Step.persistAndDrive(events);
  }

  /** The SKU holds nothing for the order (any more): released, never reserved, or unknown. */
  private static boolean isReleaseOutcome(SkuEntity.ReservationReply reply) {
    return reply instanceof SkuEntity.ReleaseAccepted
        || (reply instanceof SkuEntity.ReservationRefused r
            && (r.reason() == SkuEntity.RefusalReason.UNKNOWN_SKU
                || r.reason() == SkuEntity.RefusalReason.NOT_RESERVED
                || r.reason() == SkuEntity.RefusalReason.ALREADY_FINISHED));
  }

  /** SHIPPING: once every SKU committed the order is shipped, and statuses that arrived meanwhile apply. */
  Step commitReply(OrderData d, SkuEntity.ReservationReply reply, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return Step.NOTHING;
    String sku = reply.sku();
    if (!(reply instanceof SkuEntity.CommitAccepted committed) || d.stock().committed().contains(sku)) return Step.NOTHING;
    List<Event> events = new ArrayList<>();
    events.add(new SkuCommitted(orderKey, sku, committed.quantity(), now));
    Set<String> done = new TreeSet<>(d.stock().committed());
    done.add(sku);
    if (done.containsAll(d.contents().skuLines().keySet())) {
      events.add(new OrderShipped(orderKey, d.identity().channel(), d.trackingNumber(), d.contents().buyerPhone(),
          d.contents().skuLines(), now));
      notifications.due(d, NotificationKind.SHIPPED, d.trackingNumber(), now).ifPresent(events::add);
      // statuses that arrived while committing
      MarketStatus market = d.market().status();
      if (market.rank() >= MarketStatus.DELIVERED.rank()) events.add(new OrderDelivered(orderKey, now));
      if (market == MarketStatus.COMPLETED) events.add(new OrderCompleted(orderKey, now));
      if (market == MarketStatus.CANCELLED || market == MarketStatus.RETURN_REQUESTED) {
        events.add(new ReturnRequested(orderKey, "marketplace", now));
      }
    }
    return Step.persistAndDrive(events);
  }

  /** RETURNED, once an operator confirmed the restock. */
  Step restockReply(OrderData d, SkuEntity.ReservationReply reply, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return Step.NOTHING;
    if (reply instanceof SkuEntity.ReturnToStockAccepted restocked && !d.stock().restocked().contains(reply.sku())) {
      return Step.persistAndDrive(new SkuRestocked(orderKey, reply.sku(), restocked.quantity(), now));
    }
    return Step.NOTHING;
  }

  /** OUT_OF_STOCK: the marketplace cancelled the order, or will not: then an operator decides. */
  Step cancelReplyWhileOutOfStock(OutOfStock state, ShopAdapter.CancelReply reply, Instant now) {
    if (state.compensated() && !state.marketplaceCancelled() && reply instanceof ShopAdapter.CancelAccepted) {
      return Step.persist(new MarketplaceCancelled(orderKey, now));
    }
    Step step = cancelReplyElsewhere(reply);
    if (reply instanceof ShopAdapter.CancelFailed failed && !failed.retryable()) {
      return Step.persist(compensationFinished(OutOfStockAction.HOLD_FOR_OPERATOR, now)).withWarning(step.warning());
    }
    return step;
  }

  /**
   * Any other phase: a late answer changes nothing; a failure is still worth a warning, except a call our own rate
   * limit did not send (under a peak every out-of-stock order would warn on every retry; the shop's calls show it).
   */
  Step cancelReplyElsewhere(ShopAdapter.CancelReply reply) {
    if (reply instanceof ShopAdapter.CancelFailed failed && !failed.queueFull()) {
      return Step.warn("Cancelling order " + orderKey + " on the marketplace failed: " + failed.error());
    }
    return Step.NOTHING;
  }

  private CompensationFinished compensationFinished(OutOfStockAction action, Instant now) {
    return new CompensationFinished(orderKey, action, now);
  }

  private static Channel channel(OrderData d) {
    return d.identity().channel();
  }

  private static String shopId(OrderData d) {
    return d.identity().shopId();
  }
}

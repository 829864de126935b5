package intake;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.InboundMessages;
import marketplace.OutboundMessages;
import marketplace.WebhookEvent;
import order.OrderEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import stocksync.ListingFinder;
import stocksync.PromotionStock;

/**
 * Where marketplace news enters the system, whichever way it came (webhook, lost-push recovery, reconciliation):
 * each event is made durable in the entity or table it belongs to, and the returned stage completes only then.
 */
public final class OrderIntake {
  private static final Logger log = LoggerFactory.getLogger(OrderIntake.class);
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final InboundMessages inbox;
  private final OutboundMessages outbound;
  private final Duration timeout;
  private final ListingFinder listings;

  public OrderIntake(ActorSystem<?> system, InboundMessages inbox, OutboundMessages outbound, Duration timeout) {
    this(system, inbox, outbound, timeout, ListingFinder.NONE);
  }

  /** @param listings where promotion pushes find the SKUs listed on their item and model */
  public OrderIntake(ActorSystem<?> system, InboundMessages inbox, OutboundMessages outbound, Duration timeout,
      ListingFinder listings) {
    this.listings = listings;
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.inbox = inbox;
    this.outbound = outbound;
    this.timeout = timeout;
  }

  /** Fails with IllegalArgumentException for an unusable order id, with a timeout when it could not be recorded. */
  public CompletionStage<Done> record(WebhookEvent event) {
    if (event instanceof WebhookEvent.ShopeeOrderStatus e) {
      return notifyOrder(Channel.SHOPEE, e.shopId(), e.orderSn(), e.status(), e.marketStatus(), e.dedupKey(),
          e.updatedAt(), null);
    }
    if (event instanceof WebhookEvent.TikTokOrderStatus e) {
      return notifyOrder(Channel.TIKTOK, e.shopId(), e.orderId(), e.status(), e.marketStatus(), e.dedupKey(),
          e.updatedAt(), null);
    }
    if (event instanceof WebhookEvent.TikTokCancellation e) {
      // the final CANCELLED arrives as an order status change; this one is recorded, not acted on
      return notifyOrder(Channel.TIKTOK, e.shopId(), e.orderId(), "CANCELLATION_" + e.cancelStatus(),
          MarketStatus.CANCEL_REQUESTED, e.dedupKey(), Instant.now(), null);
    }
    if (event instanceof WebhookEvent.WhatsAppOrder e) {
      OrderDetails details = e.toOrderDetails();
      return notifyOrder(Channel.WHATSAPP, e.phoneNumberId(), e.messageId(), details.status(),
          details.marketStatus(), e.dedupKey(), e.sentAt(), details);
    }
    if (event instanceof WebhookEvent.ShopeeTracking e) {
      String invalid = checkId(e.orderSn());
      if (invalid != null) return CompletableFuture.failedFuture(new IllegalArgumentException(invalid));
      return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY,
              OrderEntity.orderKey(Channel.SHOPEE, e.shopId(), e.orderSn()))
          .<Done>askWithStatus(r -> new OrderEntity.RecordTracking(e.trackingNumber(), r), timeout);
    }
    if (event instanceof WebhookEvent.WhatsAppText e) {
      return inbox.record(new InboundMessages.Message(e.messageId(), Channel.WHATSAPP, e.phoneNumberId(), e.from(),
          e.name(), e.body(), e.at())).thenApply(isNew -> Done.getInstance());
    }
    if (event instanceof WebhookEvent.WhatsAppDelivery e) {
      // only a newer status is written (arrival order is not guaranteed); the same one again changes nothing
      return outbound.recordDelivery(e).thenApply(changed -> Done.getInstance());
    }
    if (event instanceof WebhookEvent.ShopAuthorisation e) return shopAuthorisation(e);
    if (event instanceof WebhookEvent.PromotionStock e) return promotionStock(e);
    // Verification pushes and event types this service does not handle: acknowledged so the platform keeps the endpoint enabled.
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /**
   * De-authorisation and announced expiry are recorded in the shops' connection entities before the platform is
   * answered; a new authorisation is recorded by the onboarding redirect (a push carries no tokens), so push 1 only
   * acknowledges.
   */
  private CompletionStage<Done> shopAuthorisation(WebhookEvent.ShopAuthorisation e) {
    var connections = marketplace.connection.ShopConnections.get(system);
    return switch (e.change()) {
      case DEAUTHORISED -> connections.deauthorised(e.channel(), e.shopIds(),
          e.reason() == null ? "de-authorised by the platform" : e.reason());
      case EXPIRING -> e.endsAt() == null ? CompletableFuture.completedFuture(Done.getInstance())
          : connections.authorisationEnds(e.channel(), e.shopIds(), e.endsAt());
      case AUTHORISED -> CompletableFuture.completedFuture(Done.getInstance());
    };
  }

  /**
   * Promotion stock (Shopee 7/8/9) handed to the stock sync for every SKU listed on the pushed item and model;
   * changes no order (code 8's order arrives through code 3). A model no SKU is listed on is acknowledged and
   * logged. Completes once handed over; fails (so the platform retries) only when the listings cannot be read.
   */
  private CompletionStage<Done> promotionStock(WebhookEvent.PromotionStock e) {
    return listings.find(e.channel(), e.shopId(), e.itemId(), e.modelId()).thenApply(found -> {
      if (found.isEmpty()) {
        log.info("{} promotion {} ({}) on item {} model {} of shop {}: no SKU is listed there; acknowledged",
            e.channel().key(), e.promotionId(), e.action(), e.itemId(), e.modelId(), e.shopId());
      }
      for (ListingFinder.Found f : found) {
        PromotionStock.reserved(system, f.sku(), f.listing(), e.promotionId(), e.reservedStock(), e.ended());
      }
      return Done.getInstance();
    });
  }

  /** An order as a marketplace lists it (reconciliation): recorded like a webhook that carried the details. */
  public CompletionStage<Done> record(OrderDetails details) {
    return notifyOrder(details.channel(), details.shopId(), details.orderId(), details.status(),
        details.marketStatus(), null, details.updatedAt(), details);
  }

  public CompletionStage<Done> notifyOrder(Channel channel, String shopId, String orderId, String rawStatus,
                                           MarketStatus status, String dedupId, Instant updatedAt,
                                           OrderDetails details) {
    String invalid = checkId(orderId);
    if (invalid != null) return CompletableFuture.failedFuture(new IllegalArgumentException(invalid));
    return sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, OrderEntity.orderKey(channel, shopId, orderId))
        .askWithStatus(r -> new OrderEntity.Notify(channel, shopId, orderId, rawStatus, status, dedupId,
            updatedAt == null ? Instant.now() : updatedAt, details, r), timeout);
  }

  private static String checkId(String orderId) {
    return common.Ids.checkId("order id", orderId);
  }
}

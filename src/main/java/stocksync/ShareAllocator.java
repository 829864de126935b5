package stocksync;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import marketplace.ShopAdapter;
import marketplace.ShopAdapter.ListingStock;
import marketplace.ShopAdapter.ShareAck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.Listing;
import sku.SkuEntity;
import sku.SkuEntity.ShareGrant;
import sku.SkuEntity.StockChanged;
import stocksync.SharePlan.Actions;
import stocksync.SharePlan.ListingView;

/**
 * The share stock sync of one SKU, on the node where the SKU lives (a child of {@link ShareSync}): follows the SKU's
 * writes, decides with {@link SharePlan}, asks the SKU to grant or free units ({@link SkuEntity.GrantShares},
 * {@link SkuEntity.ReleaseShares}: the SKU checks them against its free units) and only then pushes the granted
 * values through the shop adapters, hearing each push's outcome and each read's answer. Not persistent: everything
 * safety needs is in the SKU's journal; what this actor knows beyond it (reads, acknowledgements, rates) only makes
 * the units sell sooner, and is learnt again after a restart.
 */
final class ShareAllocator extends AbstractBehavior<ShareAllocator.Message> {
  private static final Logger log = LoggerFactory.getLogger(ShareAllocator.class);
  private static final Duration IDLE_STOP = Duration.ofMinutes(10);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  /** Longer than a push's retries take (max-retries at retry-max would be longer: those answer "retrying"). */
  private static final Duration LOST_CALL = Duration.ofSeconds(90);

  interface Message {}

  record Changed(StockChanged changed) implements Message {}

  record CampaignStock(String listingKey, int reserved) implements Message {}

  /** The SKU's answer to the one GrantShares or ReleaseShares out ({@link #releasing} says which). */
  private record SkuAnswered(StatusReply<ShareGrant> reply) implements Message {}

  private record Acked(ShareAck ack) implements Message {}

  private record Read(ListingStock stock) implements Message {}

  private enum Tick implements Message { INSTANCE }

  private enum IdleCheck implements Message { INSTANCE }

  private final String sku;
  private final ShareSettings settings;
  private final Predicate<Listing> pushable;
  private final TimerScheduler<Message> timers;
  private final ClusterSharding sharding;
  private final Map<String, ListingView> views = new LinkedHashMap<>();
  private final ActorRef<StatusReply<ShareGrant>> skuReplies;
  private final ActorRef<ShareAck> acks;
  private final ActorRef<ListingStock> readReplies;
  private final ShareCounters counters;
  private int available;
  private long seenSeq = -1;
  private boolean askingSku;
  private boolean releasing;
  private Instant askedAt = Instant.EPOCH;
  private Instant lastChange = Instant.now();

  static Behavior<Message> create(String sku, ShareSettings settings, Predicate<Listing> pushable,
      ShareCounters counters) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ShareAllocator(ctx, timers, sku, settings, pushable, counters)));
  }

  private ShareAllocator(ActorContext<Message> ctx, TimerScheduler<Message> timers, String sku,
      ShareSettings settings, Predicate<Listing> pushable, ShareCounters counters) {
    super(ctx);
    this.sku = sku;
    this.settings = settings;
    this.pushable = pushable;
    this.timers = timers;
    this.counters = counters;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    this.skuReplies = cast(ctx.messageAdapter(StatusReply.class, r -> new SkuAnswered(castReply(r))));
    this.acks = ctx.messageAdapter(ShareAck.class, Acked::new);
    this.readReplies = ctx.messageAdapter(ListingStock.class, Read::new);
    timers.startTimerWithFixedDelay(IdleCheck.INSTANCE, IDLE_STOP);
  }

  @SuppressWarnings("unchecked")
  private static StatusReply<ShareGrant> castReply(StatusReply<?> reply) {
    return (StatusReply<ShareGrant>) reply;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ActorRef<StatusReply<ShareGrant>> cast(ActorRef ref) {
    return (ActorRef<StatusReply<ShareGrant>>) ref;
  }

  @Override
  public Receive<Message> createReceive() {
    return newReceiveBuilder()
        .onMessage(Changed.class, this::onChanged)
        .onMessage(CampaignStock.class, this::onCampaign)
        .onMessage(SkuAnswered.class, a -> releasing ? onReleased(a) : onGranted(a))
        .onMessage(Acked.class, this::onAck)
        .onMessage(Read.class, this::onRead)
        .onMessageEquals(Tick.INSTANCE, this::plan)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .build();
  }

  private Behavior<Message> onChanged(Changed message) {
    StockChanged c = message.changed();
    if (c.eventSeq() < seenSeq) return this;
    seenSeq = c.eventSeq();
    lastChange = Instant.now();
    available = c.available();
    Set<String> present = new HashSet<>();
    for (Listing listing : c.listings()) {
      if (listing.channel() == Channel.PHONE) continue;
      present.add(listing.key());
      ListingView view = views.computeIfAbsent(listing.key(),
          k -> new ListingView(listing, pushable.test(listing)));
      view.booked(c.exposure(), c.sharesSold(), c.at(), settings.rateWindow());
    }
    views.keySet().retainAll(present);
    return plan();
  }

  private Behavior<Message> onCampaign(CampaignStock campaign) {
    ListingView view = views.get(campaign.listingKey());
    if (view != null) view.campaignReserved = Math.max(0, campaign.reserved());
    return plan();
  }

  private Behavior<Message> plan() {
    Instant now = Instant.now();
    if (askingSku && Duration.between(askedAt, now).compareTo(ASK_TIMEOUT) > 0) {
      // the SKU's answer was lost (it moved or restarted): what it granted is exposure already, safe to ask again
      askingSku = false;
      views.values().forEach(v -> v.granting = false);
    }
    views.values().forEach(v -> v.forgetIfLost(now, LOST_CALL));
    if (!askingSku) {
      Actions actions = SharePlan.decide(views.values(), available, settings, now);
      if (!actions.grants().isEmpty()) {
        askingSku = true;
        askedAt = now;
        releasing = false;
        actions.grants().keySet().forEach(k -> views.get(k).granting = true);
        skuRef().tell(new SkuEntity.GrantShares(actions.grants(), skuReplies));
      } else if (!actions.settles().isEmpty() || !actions.returns().isEmpty()) {
        askingSku = true;
        askedAt = now;
        releasing = true;
        skuRef().tell(new SkuEntity.ReleaseShares(actions.settles(), actions.returns(),
            actions.settles().isEmpty() ? "share given back" : "settled after " + settings.settle(),
            skuReplies));
      }
      for (String key : actions.reads()) read(views.get(key), now);
    }
    if (active(now)) {
      if (!timers.isTimerActive(Tick.INSTANCE)) timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
    } else {
      timers.cancel(Tick.INSTANCE);
    }
    return this;
  }

  /**
   * Ticks only while the clock matters (see {@link SharePlan#wantsTick}), or while an answer is awaited (to notice
   * one that is lost): the SKU's changes and the calls' answers wake the allocator otherwise.
   */
  private boolean active(Instant now) {
    for (ListingView v : views.values()) if (v.busy()) return true;
    return askingSku || SharePlan.wantsTick(views.values(), available, settings, now);
  }

  private void read(ListingView view, Instant now) {
    view.reading = true;
    view.lastReadAt = now;
    view.sentAt = now;
    counters.read(view.listing.channel());
    adapter(view.listing).tell(new ShopAdapter.ReadListing(StockSync.syncKey(sku, view.listing), view.listing,
        readReplies));
  }

  private Behavior<Message> onGranted(SkuAnswered granted) {
    askingSku = false;
    views.values().forEach(v -> v.granting = false);
    if (!granted.reply().isSuccess()) {
      log.warn("Share grant for {} refused: {}", sku, granted.reply().getError().getMessage());
      return plan();
    }
    ShareGrant g = granted.reply().getValue();
    Instant now = Instant.now();
    g.changed().forEach((key, value) -> {
      ListingView view = views.get(key);
      if (view == null) return;
      view.granted(value, g.eventSeq());
      view.sentAt = now;
      if (view.pushable) {
        counters.push(view.listing.channel(), value <= view.campaignReserved);
        adapter(view.listing).tell(new ShopAdapter.PushShare(new ShopAdapter.PushStock(
            StockSync.syncKey(sku, view.listing), sku, view.listing, value, g.eventSeq(), now, true, false), acks));
      }
    });
    book(g);
    return plan();
  }

  private Behavior<Message> onReleased(SkuAnswered released) {
    askingSku = false;
    if (released.reply().isSuccess()) {
      ShareGrant g = released.reply().getValue();
      g.changed().keySet().forEach(key -> {
        ListingView view = views.get(key);
        if (view != null) view.lowered = false; // settled: shows 0, owes nothing; refilled like a sold-out one
      });
      book(g);
    }
    return plan();
  }

  private void book(ShareGrant g) {
    if (g.eventSeq() >= seenSeq) {
      available = g.available();
      views.values().forEach(v -> v.exposure(g.exposure()));
    }
  }

  private Behavior<Message> onAck(Acked acked) {
    ShareAck ack = acked.ack();
    ListingView view = byAck(ack.syncKey());
    if (view == null || ack.seq() < view.pushSeq) return this;
    view.acknowledged(ack.seq(), ack.value(), ack.acknowledged(), ack.settled(), ack.at());
    if (!ack.acknowledged() && ack.settled()) {
      log.info("Share push {} -> {} not acknowledged: {}", ack.syncKey(), ack.value(), ack.error());
    }
    return plan();
  }

  private Behavior<Message> onRead(Read read) {
    ListingStock stock = read.stock();
    ListingView view = byAck(stock.syncKey());
    if (view == null) return this;
    boolean wasEmpty = view.readEmpty;
    if (view.read(stock.quantity(), stock.pushInFlight()) && !wasEmpty) counters.readEmpty(view.listing.channel());
    return plan();
  }

  private Behavior<Message> onIdleCheck() {
    boolean idle = Duration.between(lastChange, Instant.now()).compareTo(IDLE_STOP) >= 0;
    boolean pending = askingSku || views.values().stream().anyMatch(v -> v.busy() || v.lowered);
    return idle && !pending ? Behaviors.stopped() : this;
  }

  private ListingView byAck(String syncKey) {
    return syncKey.length() > sku.length() ? views.get(syncKey.substring(sku.length() + 1)) : null;
  }

  private akka.cluster.sharding.typed.javadsl.EntityRef<SkuEntity.Command> skuRef() {
    return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
  }

  private akka.cluster.sharding.typed.javadsl.EntityRef<ShopAdapter.Command> adapter(Listing listing) {
    return sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(listing.channel(),
        listing.shopId()));
  }
}

package stocksync;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.pubsub.Topic;
import akka.actor.typed.javadsl.Behaviors;
import common.Channel;
import marketplace.MarketplaceConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import sku.SkuEntity;

/**
 * The share stock sync of one node: listens to the {@link SkuEntity.StockChanged} of the SKUs that live here and
 * keeps one {@link ShareAllocator} per SKU, started by its first change. A SKU that moves to another node is followed
 * there by its changes; the allocator left behind hears nothing more and stops when idle (two allocators of one SKU
 * for a moment are safe: the SKU checks every grant).
 */
public final class ShareSync implements Extension {
  /** Messages of the node's manager. */
  interface Command {}

  record Changed(SkuEntity.StockChanged changed) implements Command {}

  public record Campaign(String sku, String listingKey, int reserved) implements Command, common.CborSerializable {}

  private record Stopped(String sku) implements Command {}

  private final ShareCounters counters = new ShareCounters();
  private volatile ActorRef<Command> manager;
  /** Campaign news reach every node's manager: the SKU's allocator lives where the SKU does, not where the push came. */
  private volatile ActorRef<Topic.Command<Campaign>> campaigns;

  private static final ExtensionId<ShareSync> ID = new ExtensionId<>() {
    @Override
    public ShareSync createExtension(ActorSystem<?> system) {
      return new ShareSync();
    }
  };

  public static ShareSync get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public ShareCounters counters() {
    return counters;
  }

  /** Starts this node's manager (once). */
  static synchronized void start(ActorSystem<?> system) {
    ShareSync sync = get(system);
    if (sync.manager != null) return;
    ShareSettings settings = ShareSettings.from(system.settings().config());
    sync.manager = system.systemActorOf(manager(settings, sync.counters), "stock-shares", Props.empty());
    sync.campaigns = system.systemActorOf(Topic.create(Campaign.class, "stock-share-campaigns"),
        "stock-share-campaigns", Props.empty());
    sync.campaigns.tell(Topic.subscribe(sync.manager.narrow()));
  }

  /**
   * A Shopee campaign holds {@code reserved} units of the listing (0 when it ended): no push may go below them.
   * Published to every node's share sync; the one holding the SKU's allocator acts.
   */
  public static void campaign(ActorSystem<?> system, String sku, String listingKey, int reserved) {
    ActorRef<Topic.Command<Campaign>> topic = get(system).campaigns;
    if (topic != null) topic.tell(Topic.publish(new Campaign(sku, listingKey, reserved)));
  }

  private static Behavior<Command> manager(ShareSettings settings, ShareCounters counters) {
    return Behaviors.setup(ctx -> {
      ActorRef<SkuEntity.StockChanged> changes = ctx.messageAdapter(SkuEntity.StockChanged.class, Changed::new);
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(SkuEntity.StockChanged.class, changes));
      Map<String, ActorRef<ShareAllocator.Message>> allocators = new HashMap<>();
      MarketplaceConfig marketplaces = StockSync.marketplaces(ctx.getSystem());
      java.util.function.Predicate<sku.Listing> pushable = l -> StockSync.pushable(marketplaces, l);
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            String sku = c.changed().sku();
            allocators.computeIfAbsent(sku, s -> {
              ActorRef<ShareAllocator.Message> ref = ctx.spawn(
                  ShareAllocator.create(s, settings, pushable, counters),
                  "sku-" + URLEncoder.encode(s, StandardCharsets.UTF_8));
              ctx.watchWith(ref, new Stopped(s));
              return ref;
            }).tell(new ShareAllocator.Changed(c.changed()));
            return Behaviors.same();
          })
          .onMessage(Campaign.class, c -> {
            ActorRef<ShareAllocator.Message> ref = allocators.get(c.sku());
            if (ref != null) ref.tell(new ShareAllocator.CampaignStock(c.listingKey(), c.reserved()));
            return Behaviors.same();
          })
          .onMessage(Stopped.class, s -> {
            allocators.remove(s.sku());
            return Behaviors.same();
          })
          .build();
    });
  }
}

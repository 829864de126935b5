package stocksync;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.GroupedProjection;
import akka.projection.javadsl.Handler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import com.typesafe.config.Config;
import common.CborSerializable;
import infra.Database;
import infra.HikariJdbcSession;
import infra.Restarts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.MarketplaceConfig;
import marketplace.ShopAdapter;
import marketplace.stock.ListingSyncStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.Listing;
import sku.SkuEntity;
import sku.SkuEvents;

/**
 * Every stock change on every channel: the wiring of the stock sync.
 *
 * <ul>
 *   <li>Live path: one subscriber per node listens to {@link SkuEntity.StockChanged} on the node's event stream
 *       (published by the SKU entity after each write; a SKU lives on one node, so the subscriber of that node sees
 *       all its changes) and tells each listing's {@link ShopAdapter} the new absolute quantity.</li>
 *   <li>Catch-up: an at-least-once projection over the SKU tags reads the SKU's current state for every event and
 *       pushes it through the same coalescing path, so a change whose live push was lost with a crashed node still
 *       reaches the marketplaces (duplicates are dropped by "latest value wins").</li>
 *   <li>Reconciliation: once in the cluster, every {@code reconcile-interval}, each listing's marketplace stock is
 *       read and re-pushed when it differs from what the SKU should show.</li>
 * </ul>
 * A WhatsApp listing gets availability pushes only when its catalogue is configured
 * ({@code orchestrator.marketplaces.whatsapp.catalog}); others are skipped (reported "not_applicable").
 */
public final class StockSync {
  private static final Logger log = LoggerFactory.getLogger(StockSync.class);
  public static final String CATCH_UP_NAME = "stock-sync";

  private StockSync() {}

  /** How listings are told their stock: see {@code orchestrator.stock-sync.strategy}. */
  public enum Strategy { SHARES, ABSOLUTE }

  public record Settings(boolean enabled, boolean live, Duration minPushInterval, Duration retryMin, Duration retryMax,
                         Duration reconcileInterval,
                         int catchUpGroupSize, Duration catchUpGroupWithin, Duration askTimeout, Strategy strategy) {
    public static Settings from(Config config) {
      Config c = config.getConfig("orchestrator.stock-sync");
      return new Settings(c.getBoolean("enabled"), c.getBoolean("live"), c.getDuration("min-push-interval"),
          c.getDuration("retry-min"), c.getDuration("retry-max"),
          c.getDuration("reconcile-interval"), c.getInt("catch-up-group-size"),
          c.getDuration("catch-up-group-within"), c.getDuration("ask-timeout"), strategy(c));
    }

    private static Strategy strategy(Config c) {
      String value = c.hasPath("strategy") ? c.getString("strategy") : "absolute";
      try {
        return Strategy.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("orchestrator.stock-sync.strategy must be shares or absolute, was '"
            + value + "'");
      }
    }
  }

  /** True when listings are synced by shares: no absolute value is ever pushed then. */
  public static boolean sharesOn(ActorSystem<?> system) {
    return Settings.from(system.settings().config()).strategy() == Strategy.SHARES;
  }

  /**
   * "Push now" and catch-up under shares: the SKU announces its state on its node, where its allocator looks again
   * (reads, refills); nothing absolute is pushed.
   */
  public static CompletionStage<SkuEntity.Stock> announce(ActorSystem<?> system, String sku, Duration timeout) {
    return ClusterSharding.get(system).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .askWithStatus(SkuEntity.Announce::new, timeout);
  }

  /** The listing of a SKU on one shop: the key of its sync status ({@code listing_sync.listing_key}). */
  public static String syncKey(String sku, Listing listing) {
    return sku + "|" + listing.key();
  }

  /** Whether a listing gets stock pushes: a marketplace with an API, or the configured WhatsApp catalogue. */
  public static boolean pushable(MarketplaceConfig marketplaces, Listing listing) {
    return marketplaces.receivesStock(listing.channel(), listing.shopId());
  }

  /** The marketplaces as configured for this node: which listings {@link #pushable} says get pushes. */
  public static MarketplaceConfig marketplaces(ActorSystem<?> system) {
    return MarketplaceConfig.fromConfig(system.settings().config());
  }

  /** Starts the node's subscriber, the catch-up projection and the cluster's reconciler. */
  public static void init(ActorSystem<?> system, Database database) {
    Settings settings = Settings.from(system.settings().config());
    if (!settings.enabled()) return;
    boolean shares = settings.strategy() == Strategy.SHARES;
    if (shares && settings.live()) ShareSync.start(system);
    if (!shares && settings.live()) {
      system.systemActorOf(subscriber(), "stock-sync-subscriber", akka.actor.typed.Props.empty());
    }
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, CATCH_UP_NAME, SkuEntity.TAGS.size(),
        index -> ProjectionBehavior.create(catchUp(system, database, settings, SkuEntity.TAGS.get(index))),
        ShardedDaemonProcessSettings.create(system), Optional.of(ProjectionBehavior.stopMessage()));
    ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(reconciler(settings))
            .onFailure(Restarts.withBackoff()),
        "stock-reconciler"));
  }

  // ------------------------------------------------------------------------------------------ live path

  static Behavior<SkuEntity.StockChanged> subscriber() {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(SkuEntity.StockChanged.class, ctx.getSelf()));
      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
      MarketplaceConfig marketplaces = marketplaces(ctx.getSystem());
      return Behaviors.receiveMessage(changed -> {
        for (Listing listing : changed.listings()) {
          Integer quantity = changed.shown().get(listing.key());
          if (quantity == null || !pushable(marketplaces, listing)) continue;
          sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(listing.channel(), listing.shopId()))
              .tell(new ShopAdapter.PushStock(syncKey(changed.sku(), listing), changed.sku(), listing, quantity,
                  changed.eventSeq(), changed.at(), true, false));
        }
        return Behaviors.same();
      });
    });
  }

  /**
   * Pushes what a SKU should show now on all its listings (catch-up, "push now", reconciliation).
   *
   * @param force re-push even when the adapter already has this event sequence number
   */
  public static List<ShopAdapter.PushStock> pushesFor(MarketplaceConfig marketplaces, SkuEntity.Stock stock,
      boolean force) {
    List<ShopAdapter.PushStock> pushes = new ArrayList<>();
    Instant at = stock.lastUpdated() == null ? Instant.now() : stock.lastUpdated();
    for (Listing listing : stock.listings()) {
      Integer quantity = stock.shown().get(listing.key());
      if (quantity == null || !pushable(marketplaces, listing)) continue;
      pushes.add(new ShopAdapter.PushStock(syncKey(stock.sku(), listing), stock.sku(), listing, quantity,
          stock.eventSeq(), at, false, force));
    }
    return pushes;
  }

  public static void send(ActorSystem<?> system, List<ShopAdapter.PushStock> pushes) {
    if (sharesOn(system)) return; // an absolute value could put back units a marketplace sold: never under shares
    ClusterSharding sharding = ClusterSharding.get(system);
    for (ShopAdapter.PushStock push : pushes) {
      sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY,
          ShopAdapter.entityId(push.listing().channel(), push.listing().shopId())).tell(push);
    }
  }

  public static CompletionStage<SkuEntity.Stock> state(ActorSystem<?> system, String sku, Duration timeout) {
    return ClusterSharding.get(system).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .askWithStatus(SkuEntity.GetStock::new, timeout);
  }

  // ------------------------------------------------------------------------------------------ catch-up

  static GroupedProjection<Offset, EventEnvelope<SkuEvents.Event>> catchUp(ActorSystem<?> system, Database database,
      Settings settings, String tag) {
    return JdbcProjection.groupedWithinAsync(ProjectionId.of(CATCH_UP_NAME, tag),
            EventSourcedProvider.<SkuEvents.Event>eventsByTag(system, JdbcReadJournal.Identifier(), tag),
            () -> new HikariJdbcSession(database.dataSource(), false),
            () -> new CatchUpHandler(system, settings), system)
        .withGroup(settings.catchUpGroupSize(), settings.catchUpGroupWithin())
        // A hot SKU may answer slowly (its reads wait behind its writes): retry the group before restarting.
        .withRecoveryStrategy(akka.projection.HandlerRecoveryStrategy.retryAndFail(10, Duration.ofSeconds(1)));
  }

  /** For each SKU of a group of events: read its state once and push it (duplicates are absorbed downstream). */
  static final class CatchUpHandler extends Handler<List<EventEnvelope<SkuEvents.Event>>> {
    private final ActorSystem<?> system;
    private final Settings settings;
    private final MarketplaceConfig marketplaces;

    CatchUpHandler(ActorSystem<?> system, Settings settings) {
      this.system = system;
      this.settings = settings;
      this.marketplaces = marketplaces(system);
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<SkuEvents.Event>> envelopes) {
      Set<String> skus = new LinkedHashSet<>();
      for (EventEnvelope<SkuEvents.Event> e : envelopes) {
        String id = e.persistenceId();
        skus.add(id.substring(id.indexOf('|') + 1));
      }
      List<CompletableFuture<Done>> all = new ArrayList<>();
      boolean shares = settings.strategy() == Strategy.SHARES;
      for (String sku : skus) {
        if (shares) {
          // a SKU whose node was lost gets an allocator again where it lives now
          all.add(announce(system, sku, settings.askTimeout()).thenApply(s -> Done.getInstance())
              .toCompletableFuture());
          continue;
        }
        all.add(state(system, sku, settings.askTimeout())
            .thenApply(stock -> {
              send(system, pushesFor(marketplaces, stock, false));
              return Done.getInstance();
            }).toCompletableFuture());
      }
      // A failed read fails the group: the projection restarts from its last offset and reads again.
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
    }
  }

  // ------------------------------------------------------------------------------------------ reconciliation

  public sealed interface ReconcilerCommand extends CborSerializable {}

  enum ReconcileTick implements ReconcilerCommand { INSTANCE }

  /** Runs a reconciliation now; answers with the totals when every shop answered (or the timeout passed). */
  public record ReconcileNow(ActorRef<ReconcileTotals> replyTo) implements ReconcilerCommand {}

  public record ReconcileTotals(int shops, int checked, int drifted, int unreadable) implements CborSerializable {}

  record Finished(ReconcileTotals totals, String error, ActorRef<ReconcileTotals> replyTo) implements ReconcilerCommand {}

  static Behavior<ReconcilerCommand> reconciler(Settings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(ReconcileTick.INSTANCE, settings.reconcileInterval(),
          settings.reconcileInterval());
      ActorSystem<?> system = ctx.getSystem();
      return Behaviors.receive(ReconcilerCommand.class)
          .onMessageEquals(ReconcileTick.INSTANCE, () -> {
            ctx.pipeToSelf(reconcile(system, settings), (t, e) -> new Finished(t, e == null ? null : e.getMessage(), null));
            return Behaviors.same();
          })
          .onMessage(ReconcileNow.class, now -> {
            ctx.pipeToSelf(reconcile(system, settings),
                (t, e) -> new Finished(t, e == null ? null : e.getMessage(), now.replyTo()));
            return Behaviors.same();
          })
          .onMessage(Finished.class, f -> {
            if (f.error() != null) log.warn("Stock reconciliation failed: {}", f.error());
            else if (f.totals().drifted() > 0 || f.totals().unreadable() > 0) log.info("Stock reconciliation: {}", f.totals());
            if (f.replyTo() != null) f.replyTo().tell(f.error() == null ? f.totals() : new ReconcileTotals(0, 0, 0, -1));
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** Every SKU with a listing row: its expected values, grouped per shop adapter, checked by that adapter. */
  static CompletionStage<ReconcileTotals> reconcile(ActorSystem<?> system, Settings settings) {
    // Under shares a marketplace is expected to show less than it was told (it sold): nothing to re-push. Its
    // allocators read listings while they sell.
    if (settings.strategy() == Strategy.SHARES) return CompletableFuture.completedFuture(new ReconcileTotals(0, 0, 0, 0));
    MarketplaceConfig marketplaces = marketplaces(system);
    return ListingSyncStore.get(system).skus().thenCompose(skus -> {
      List<CompletableFuture<List<ShopAdapter.PushStock>>> states = new ArrayList<>();
      for (String sku : skus) {
        states.add(state(system, sku, settings.askTimeout())
            .thenApply(stock -> pushesFor(marketplaces, stock, true))
            .exceptionally(e -> List.of())
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenCompose(v -> {
        Map<String, List<ShopAdapter.PushStock>> byShop = new HashMap<>();
        for (var f : states) {
          for (ShopAdapter.PushStock p : f.join()) {
            byShop.computeIfAbsent(ShopAdapter.entityId(p.listing().channel(), p.listing().shopId()),
                k -> new ArrayList<>()).add(p);
          }
        }
        ClusterSharding sharding = ClusterSharding.get(system);
        List<CompletableFuture<ShopAdapter.StockReconciled>> answers = new ArrayList<>();
        byShop.forEach((entityId, expected) -> answers.add(sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, entityId)
            .<ShopAdapter.StockReconciled>ask(replyTo -> new ShopAdapter.ReconcileStock(expected, replyTo),
                settings.askTimeout().multipliedBy(6))
            .exceptionally(e -> new ShopAdapter.StockReconciled("?", entityId, 0, 0, expected.size()))
            .toCompletableFuture()));
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(w -> {
          int checked = 0, drifted = 0, unreadable = 0;
          for (var a : answers) {
            checked += a.join().checked();
            drifted += a.join().drifted();
            unreadable += a.join().unreadable();
          }
          return new ReconcileTotals(answers.size(), checked, drifted, unreadable);
        });
      });
    });
  }

  /** The cluster's reconciler (a singleton proxy on this node). */
  public static ActorRef<ReconcilerCommand> reconcilerRef(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    return ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(reconciler(settings))
            .onFailure(Restarts.withBackoff()),
        "stock-reconciler"));
  }
}

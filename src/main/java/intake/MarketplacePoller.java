package intake;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import com.typesafe.config.Config;
import common.CborSerializable;
import infra.Restarts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.MarketplaceApis;
import marketplace.OrderFeed;

/**
 * Finds what webhooks missed, once in the cluster (a singleton): Shopee's lost pushes are fetched, recorded like
 * webhooks and only then confirmed as consumed; periodically each shop's recently updated orders are listed and
 * recorded too (idempotent for orders already known), so an order whose every push was lost is still processed.
 */
public final class MarketplacePoller {
  private MarketplacePoller() {}

  public sealed interface Command extends CborSerializable {}

  enum LostPushTick implements Command { INSTANCE }

  enum ReconcileTick implements Command { INSTANCE }

  record Finished(String what, int recorded, String error) implements Command {}

  public record Settings(boolean enabled, Duration lostPushInterval, Duration reconcileInterval,
                         Duration reconcileWindow) {
    static Settings from(Config config) {
      Config c = config.getConfig("orchestrator.marketplaces.polling");
      return new Settings(c.getBoolean("enabled"), c.getDuration("lost-push-interval"),
          c.getDuration("reconcile-interval"), c.getDuration("reconcile-window"));
    }
  }

  private static final int MAX_PAGES = 20;

  public static void init(ActorSystem<?> system, MarketplaceApis marketplaces, OrderIntake intake) {
    Settings settings = Settings.from(system.settings().config());
    if (!settings.enabled()) return;
    ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(create(settings, marketplaces::orderFeeds, intake))
            .onFailure(Restarts.withBackoff()),
        "marketplace-poller"));
  }

  /** @param feeds asked at every tick: shops connected meanwhile are polled too */
  static Behavior<Command> create(Settings settings, java.util.function.Supplier<List<OrderFeed>> feeds,
      OrderIntake intake) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(LostPushTick.INSTANCE, Duration.ofMillis(100), settings.lostPushInterval());
      timers.startTimerWithFixedDelay(ReconcileTick.INSTANCE, settings.reconcileInterval(),
          settings.reconcileInterval());
      return Behaviors.receive(Command.class)
          .onMessageEquals(LostPushTick.INSTANCE, () -> {
            for (OrderFeed feed : feeds.get()) {
              if (feed.keepsLostPushes()) run(ctx, "lost pushes of " + feed.name(), recoverLostPushes(feed, intake, 0));
            }
            return Behaviors.same();
          })
          .onMessageEquals(ReconcileTick.INSTANCE, () -> {
            Instant to = Instant.now();
            Instant from = to.minus(settings.reconcileWindow());
            for (OrderFeed feed : feeds.get()) {
              run(ctx, "reconciliation of " + feed.name(), reconcile(feed, intake, from, to, null, 0));
            }
            return Behaviors.same();
          })
          .onMessage(Finished.class, f -> {
            if (f.error() != null) {
              ctx.getLog().warn("{} failed: {}", f.what(), f.error());
            } else if (f.recorded() > 0) {
              ctx.getLog().info("{}: {} event(s) recorded", f.what(), f.recorded());
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void run(ActorContext<Command> ctx, String what, CompletionStage<Integer> work) {
    ctx.pipeToSelf(work, (recorded, error) -> new Finished(what, recorded == null ? 0 : recorded,
        error == null ? null : String.valueOf(error.getMessage())));
  }

  /** Records every lost push of a page, confirms the page only after that, and goes on while there are more. */
  static CompletionStage<Integer> recoverLostPushes(OrderFeed feed, OrderIntake intake, int page) {
    return feed.lostPushes().thenCompose(lost -> {
      if (lost.events().isEmpty()) return CompletableFuture.completedFuture(0);
      return recordAll(intake, lost.events().stream().map(intake::record).toList())
          .thenCompose(n -> feed.confirmLostPushes(lost.lastMessageId()).thenApply(v -> n))
          .thenCompose(n -> lost.hasNextPage() && page + 1 < MAX_PAGES
              ? recoverLostPushes(feed, intake, page + 1).thenApply(m -> n + m)
              : CompletableFuture.completedFuture(n));
    });
  }

  /** Records the orders updated in [from, to), page after page: those listed in full, and those listed by id. */
  static CompletionStage<Integer> reconcile(OrderFeed feed, OrderIntake intake, Instant from, Instant to,
                                            String cursor, int page) {
    return feed.updatedOrders(from, to, cursor).thenCompose(list -> {
      List<CompletionStage<Integer>> chunks = new ArrayList<>();
      chunks.add(recordAll(intake, list.orders().stream().map(intake::record).toList()));
      for (int i = 0; i < list.orderIds().size(); i += 50) {
        List<String> chunk = list.orderIds().subList(i, Math.min(i + 50, list.orderIds().size()));
        chunks.add(feed.orderDetails(chunk)
            .thenCompose(orders -> recordAll(intake, orders.stream().map(intake::record).toList())));
      }
      CompletionStage<Integer> here = sum(chunks);
      return list.nextCursor() != null && page + 1 < MAX_PAGES
          ? here.thenCompose(n -> reconcile(feed, intake, from, to, list.nextCursor(), page + 1)
              .thenApply(m -> n + m))
          : here;
    });
  }

  private static CompletionStage<Integer> recordAll(OrderIntake intake, List<CompletionStage<Done>> recorded) {
    CompletableFuture<?>[] all = recorded.stream().map(CompletionStage::toCompletableFuture)
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all).thenApply(v -> all.length);
  }

  private static CompletionStage<Integer> sum(List<CompletionStage<Integer>> parts) {
    CompletableFuture<Integer>[] all = parts.stream().map(CompletionStage::toCompletableFuture)
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all).thenApply(v -> {
      int total = 0;
      for (CompletableFuture<Integer> f : all) total += f.join();
      return total;
    });
  }
}

package support;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import common.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import sku.Listing;
import sku.PushRules;
import sku.SkuEntity;
import sku.SkuEvents;

/**
 * Drives real SKU entities through sharding: a catalog of SKUs with listings and push rules, a concurrent burst of
 * reservations with releases, commits and stock adjustments mixed in, and the entities' own summaries.
 */
public final class StockDriver {
  public static final Duration ASK = Duration.ofSeconds(20);

  private final ClusterSharding sharding;

  public StockDriver(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  private EntityRef<SkuEntity.Command> sku(String sku) {
    return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
  }

  /** Stock on every SKU; every third SKU listed on Shopee and TikTok, every fifth with a WhatsApp allocation. */
  public void catalog(List<String> skus, int onHand) throws Exception {
    List<CompletableFuture<?>> done = new ArrayList<>();
    for (int i = 0; i < skus.size(); i++) {
      String s = skus.get(i);
      done.add(setStockAsync(s, onHand));
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (int i = 0; i < skus.size(); i++) {
      String s = skus.get(i);
      if (i % 3 == 0) {
        put(s, Listing.shopee("shop-1", "item-" + i, "0"));
        put(s, Listing.tiktok("tt-1", "p-" + i, "k-" + i));
      }
      if (i % 5 == 0) {
        put(s, Listing.whatsapp("cat-1"));
        sku(s).<SkuEntity.Summary>askWithStatus(r -> new SkuEntity.SetPushRules(new PushRules(Map.of(
                Channel.WHATSAPP, new PushRules.ChannelRule(null, null, null, 3))), "test", r), ASK)
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  public CompletableFuture<SkuEntity.StockResult> setStockAsync(String s, int onHand) {
    return sku(s).<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(onHand, true, "test", r), ASK)
        .toCompletableFuture();
  }

  public void put(String s, Listing listing) throws Exception {
    sku(s).<SkuEntity.Summary>askWithStatus(r -> new SkuEntity.PutListing(listing, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public void adjust(String s, int delta) throws Exception {
    sku(s).<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.AdjustStock(delta,
            delta > 0 ? SkuEvents.AdjustReason.RECEIVED : SkuEvents.AdjustReason.DAMAGED, true, "test", r), ASK)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public CompletableFuture<SkuEntity.ReservationReply> reserve(String s, String orderKey, int quantity) {
    return sku(s).<SkuEntity.ReservationReply>ask(r -> new SkuEntity.Reserve(orderKey, quantity, null, r), ASK)
        .toCompletableFuture();
  }

  /**
   * {@code count} reservations spread over {@code skus} from {@code parallelism} concurrent callers; every fourth
   * reserved order is then released, every seventh committed, and a few SKUs get a stock adjustment in between.
   * @return how many reservations were granted
   */
  public int burst(List<String> skus, String prefix, int count, int parallelism, Random random) throws Exception {
    Semaphore permits = new Semaphore(parallelism);
    List<CompletableFuture<SkuEntity.ReservationReply>> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      permits.acquire();
      String s = skus.get(random.nextInt(skus.size()));
      CompletableFuture<SkuEntity.ReservationReply> reply = reserve(s, prefix + i, 1 + random.nextInt(3));
      reply.whenComplete((r, e) -> permits.release());
      replies.add(reply);
      if (i % 250 == 125) adjust(skus.get(random.nextInt(skus.size())), random.nextBoolean() ? 7 : -2);
    }
    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    List<CompletableFuture<?>> after = new ArrayList<>();
    int granted = 0;
    for (CompletableFuture<SkuEntity.ReservationReply> f : replies) {
      SkuEntity.ReservationReply r = f.get();
      if (!(r instanceof SkuEntity.ReserveAccepted)) continue;
      granted++;
      if (granted % 4 == 0) {
        after.add(sku(r.sku()).<SkuEntity.ReservationReply>ask(to -> new SkuEntity.Release(r.orderKey(), to), ASK)
            .toCompletableFuture());
      } else if (granted % 7 == 0) {
        after.add(sku(r.sku()).<SkuEntity.ReservationReply>ask(to -> new SkuEntity.Commit(r.orderKey(), to), ASK)
            .toCompletableFuture());
      }
    }
    CompletableFuture.allOf(after.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    return granted;
  }

  public Map<String, SkuEntity.Summary> summaries(List<String> skus) throws Exception {
    Map<String, CompletableFuture<SkuEntity.Summary>> futures = new TreeMap<>();
    for (String s : skus) {
      futures.put(s, sku(s).<SkuEntity.Summary>askWithStatus(SkuEntity.GetState::new, ASK).toCompletableFuture());
    }
    Map<String, SkuEntity.Summary> result = new TreeMap<>();
    for (var e : futures.entrySet()) result.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS));
    return result;
  }

  /** Polls {@code differences} until it returns none, or fails with the last ones after {@code timeout}. */
  public static void await(Duration timeout, Check differences) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> last = List.of();
    while (System.nanoTime() < deadline) {
      last = differences.run();
      if (last.isEmpty()) return;
      Thread.sleep(250);
    }
    throw new AssertionError(last.size() + " differences, first: " + last.subList(0, Math.min(10, last.size())));
  }

  @FunctionalInterface
  public interface Check {
    List<String> run() throws Exception;
  }
}

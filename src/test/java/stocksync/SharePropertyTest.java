package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import sku.Listing;
import sku.SkuEntity;
import sku.SkuEntity.ReservationReply;
import sku.SkuEntity.ReservationRefused;
import sku.SkuSettings;
import stocksync.SharePlan.Actions;
import stocksync.SharePlan.ListingView;

/**
 * Property: whatever the sales, webhook delays, push latencies and push failures, the marketplaces together never
 * accept more units than the SKU has, and no order a marketplace accepted is refused by the SKU (no forced
 * cancellation), as long as every sale's webhook arrives within the settle time (the share sync's one timing
 * assumption). Each seed runs a sale in virtual time against the real SKU (its event-sourced behaviour, every
 * command and event serialized) and the real share plan; the marketplaces are modelled as MARKETPLACES.md describes
 * them: a stock update sets what the listing holds, a checkout deducts it there and is refused beyond it, the
 * webhook comes later, a buyer's cancellation puts the units back.
 */
class SharePropertyTest {
  static final Config CONFIG = support.SkuTestConfig.CONFIG;
  static final ActorTestKit kit = ActorTestKit.create(CONFIG);
  static final SkuSettings SKU_SETTINGS = SkuSettings.from(CONFIG);
  static final Listing SHOPEE = Listing.shopee("1", "100", "0");
  static final Listing TIKTOK = Listing.tiktok("7", "P1", "S1");
  static final Listing WHATSAPP = Listing.whatsapp("cat");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void marketplacesTogetherNeverSellMoreThanTheStock() {
    int seeds = Integer.getInteger("shares.seeds", 60);
    long soldTotal = 0;
    long stockTotal = 0;
    for (int seed = 1; seed <= seeds; seed++) {
      Sale sale = new Sale(seed);
      sale.run();
      soldTotal += sale.sold();
      stockTotal += sale.stock;
    }
    // not a property, a sanity check that the sales sold: most runs have more buyers than units
    assertTrue(soldTotal > stockTotal / 2, "sold " + soldTotal + " of " + stockTotal);
  }

  /** One randomised sale in virtual time (milliseconds). */
  private static final class Sale {
    final Random random;
    final int seed;
    final int stock;
    final long maxWebhookDelay;
    final long maxPushLatency;
    final double pushRefused;
    final double ackLost;
    final double cancelRate;
    final Map<Channel, Double> buyersPerSecond = new EnumMap<>(Channel.class);
    final ShareSettings settings;
    final EventSourcedBehaviorTestKit<SkuEntity.Command, ?, ?> skuKit;
    final Map<String, ListingView> views = new LinkedHashMap<>();
    final Map<String, Integer> held = new LinkedHashMap<>();
    final Map<String, Integer> acceptedBy = new LinkedHashMap<>();
    final PriorityQueue<Step> steps = new PriorityQueue<>();
    final Instant start = Instant.parse("2026-12-02T00:00:00Z");
    long now;
    long order;
    long sequence;
    int whatsAppSold;
    int forced;
    /** Units buyers cancelled on a marketplace whose release has not reached the SKU yet. */
    int cancelsOnTheirWay;
    final java.util.ArrayDeque<String> trace = new java.util.ArrayDeque<>();

    void trace(String line) {
      trace.addLast(now + " " + line);
      if (trace.size() > 400) trace.removeFirst();
    }

    record Step(long at, long order, Runnable action) implements Comparable<Step> {
      public int compareTo(Step o) {
        return at != o.at ? Long.compare(at, o.at) : Long.compare(order, o.order);
      }
    }

    Sale(int seed) {
      this.seed = seed;
      this.random = new Random(seed);
      this.stock = 1 + random.nextInt(150);
      this.maxWebhookDelay = random.nextInt(4000);
      this.maxPushLatency = 5 + random.nextInt(800);
      this.pushRefused = random.nextDouble() * 0.3;
      this.ackLost = random.nextDouble() * 0.2;
      this.cancelRate = random.nextDouble() * 0.1;
      for (Channel c : new Channel[] {Channel.SHOPEE, Channel.TIKTOK, Channel.WHATSAPP}) {
        buyersPerSecond.put(c, random.nextDouble() < 0.2 ? 0.5 : random.nextDouble() * 80);
      }
      // the assumption: every sale is known within settle
      this.settings = new ShareSettings(1 + random.nextInt(8), Duration.ofMillis(maxWebhookDelay + 1000),
          Duration.ofMillis(50 + random.nextInt(400)), Duration.ofMillis(100), Duration.ofMillis(500 + random.nextInt(3000)),
          Duration.ofSeconds(2), Map.of(Channel.SHOPEE, 1.0, Channel.TIKTOK, 1.0, Channel.WHATSAPP, 1.0), 4);
      this.skuKit = EventSourcedBehaviorTestKit.create(kit.system(),
          SkuEntity.persistent("PROP-" + seed + "-" + System.nanoTime(), SKU_SETTINGS, null));
      skuKit.<StatusReply<SkuEntity.StockResult>>runCommand(r -> new SkuEntity.SetStock(stock, false, "test", r));
      for (Listing l : new Listing[] {SHOPEE, TIKTOK, WHATSAPP}) {
        skuKit.<StatusReply<SkuEntity.Summary>>runCommand(r -> new SkuEntity.PutListing(l, "test", r));
        views.put(l.key(), new ListingView(l, l.channel().hasMarketplaceApi()));
        held.put(l.key(), 0);
        acceptedBy.put(l.key(), 0);
      }
    }

    int sold() {
      return acceptedBy.values().stream().mapToInt(Integer::intValue).sum() + whatsAppSold;
    }

    void at(long at, Runnable action) {
      steps.add(new Step(at, sequence++, action));
    }

    Instant instant() {
      return start.plusMillis(now);
    }

    void run() {
      long saleEnd = 6000;
      for (Channel c : buyersPerSecond.keySet()) scheduleBuyer(c, 0, saleEnd);
      for (long t = 0; t < saleEnd + maxWebhookDelay + settings.settle().toMillis() * 3; t += 100) at(t, this::plan);
      while (!steps.isEmpty()) {
        Step step = steps.poll();
        now = step.at();
        step.action().run();
        check();
      }
      assertEquals(0, forced, this + ": orders a marketplace accepted were refused");
      check();
    }

    void scheduleBuyer(Channel channel, long from, long end) {
      double rate = buyersPerSecond.get(channel);
      long next = from + (long) (-Math.log(1 - random.nextDouble()) * 1000 / rate);
      if (next > end) return;
      at(next, () -> {
        buy(channel);
        scheduleBuyer(channel, next, end);
      });
    }

    void buy(Channel channel) {
      int quantity = random.nextDouble() < 0.1 ? 2 : 1;
      if (channel == Channel.WHATSAPP) {
        // keyed by the business number that took it, as WhatsApp orders are; the listing is the catalogue
        ReservationReply reply = reserve("whatsapp|5550001|w" + order++, quantity);
        if (!(reply instanceof ReservationRefused)) whatsAppSold += quantity; // else: answered sold out
        plan();
        return;
      }
      Listing listing = channel == Channel.SHOPEE ? SHOPEE : TIKTOK;
      int shelf = held.get(listing.key());
      if (shelf < quantity) return; // refused at checkout
      held.put(listing.key(), shelf - quantity);
      trace("sold " + quantity + " on " + listing.key() + " held " + held);
      acceptedBy.merge(listing.key(), quantity, Integer::sum);
      String key = channel.key() + "|" + listing.shopId() + "|o" + order++;
      at(now + delay(), () -> deliver(key, quantity, now));
      if (random.nextDouble() < cancelRate) {
        // the buyer cancels on the marketplace, which puts the units back; its webhook comes later too
        long cancelAt = now + random.nextInt(3000);
        at(cancelAt, () -> {
          held.merge(listing.key(), quantity, Integer::sum);
          acceptedBy.merge(listing.key(), -quantity, Integer::sum);
          cancelsOnTheirWay += quantity;
          trace("cancel " + key);
          at(now + delay(), () -> {
            cancelsOnTheirWay -= quantity;
            skuKit.<ReservationReply>runCommand(r -> new SkuEntity.Release(key, r));
            plan();
          });
        });
      }
    }

    /**
     * The order's reservation, asked again like the order saga does (retry-min 2 s, doubling) while inside the
     * out-of-stock grace of 5 s from its first notice: only then is a refusal a forced cancellation.
     */
    void deliver(String key, int quantity, long firstAt) {
      ReservationReply rr = reserve(key, quantity);
      trace("webhook " + key + " x" + quantity + " -> " + rr.getClass().getSimpleName() + " " + book().exposure()
          + " avail " + book().available());
      if (rr instanceof ReservationRefused refused && refused.reason() == SkuEntity.RefusalReason.INSUFFICIENT_STOCK) {
        long retryIn = now == firstAt ? 2000 : 2 * (now - firstAt);
        if (now + retryIn <= firstAt + 5000 + 4000) at(now + retryIn, () -> deliver(key, quantity, firstAt));
        else forced++;
      }
      plan();
    }

    long delay() {
      return maxWebhookDelay == 0 ? 0 : random.nextInt((int) maxWebhookDelay + 1);
    }

    ReservationReply reserve(String key, int quantity) {
      return skuKit.<ReservationReply>runCommand(r -> new SkuEntity.Reserve(key, quantity, null, r)).reply();
    }

    SkuEntity.Stock book() {
      return skuKit.<StatusReply<SkuEntity.Stock>>runCommand(SkuEntity.GetStock::new).reply().getValue();
    }

    /** What the allocator does on a change or a tick, with the marketplaces' answers coming back later. */
    void plan() {
      SkuEntity.Stock book = book();
      views.values().forEach(v -> v.booked(book.exposure(), book.sharesSold(), instant(), settings.rateWindow()));
      Actions actions = SharePlan.decide(views.values(), book.available(), settings, instant());
      if (!actions.grants().isEmpty()) {
        SkuEntity.ShareGrant g = skuKit.<StatusReply<SkuEntity.ShareGrant>>runCommand(
            r -> new SkuEntity.GrantShares(actions.grants(), r)).reply().getValue();
        trace("grant " + actions.grants() + " -> " + g.changed() + " seq " + g.eventSeq() + " exp " + g.exposure()
            + " avail " + g.available());
        g.changed().forEach((key, value) -> {
          ListingView view = views.get(key);
          view.granted(value, g.eventSeq());
          if (view.pushable) push(view, value, g.eventSeq());
        });
      } else if (!actions.settles().isEmpty() || !actions.returns().isEmpty()) {
        SkuEntity.ShareGrant g = skuKit.<StatusReply<SkuEntity.ShareGrant>>runCommand(
            r -> new SkuEntity.ReleaseShares(actions.settles(), actions.returns(), "test", r)).reply().getValue();
        trace("release " + actions.settles() + actions.returns() + " -> " + g.changed() + " exp " + g.exposure());
        g.changed().keySet().forEach(key -> views.get(key).lowered = false);
      }
      for (String key : actions.reads()) {
        ListingView view = views.get(key);
        view.reading = true;
        view.lastReadAt = instant();
        long latency = 1 + random.nextInt((int) maxPushLatency);
        at(now + latency / 2, () -> {
          int quantity = held.get(key);
          at(now + latency / 2, () -> {
            view.read(quantity, false);
            plan();
          });
        });
      }
    }

    /** A push: refused (nothing lands), landed with its answer lost (the adapter gives up), or landed and acked. */
    void push(ListingView view, int value, long seq) {
      long latency = 1 + random.nextInt((int) maxPushLatency);
      double outcome = random.nextDouble();
      if (outcome < pushRefused) {
        at(now + latency, () -> view.acknowledged(seq, value, false, true, instant()));
        return;
      }
      at(now + latency / 2, () -> {
        held.put(view.key, value);
        trace("landed " + view.key + "=" + value);
      });
      boolean acked = outcome >= pushRefused + ackLost;
      at(now + latency, () -> {
        view.acknowledged(seq, value, acked, true, instant());
        plan();
      });
    }

    void check() {
      int sold = sold();
      int shown = held.values().stream().mapToInt(Integer::intValue).sum();
      assertTrue(sold <= stock, this + ": the marketplaces sold " + acceptedBy + " + WhatsApp " + whatsAppSold
          + " of " + stock);
      SkuEntity.Stock book = book();
      int exposed = book.exposure().values().stream().mapToInt(Integer::intValue).sum();
      // a resale of cancelled units can reach the SKU before the cancellation does: exposure may then lead
      // available by those units, until the release comes
      assertTrue(exposed <= book.available() + cancelsOnTheirWay, this + ": exposure " + book.exposure()
          + " above available " + book.available());
      // what the marketplaces sold plus what they still show: never above the stock (ARCHITECTURE.md "shares")
      assertTrue(sold + shown <= stock, this + ": shown " + held + " with " + sold + " sold of " + stock);
    }

    @Override
    public String toString() {
      return String.join("\n", trace) + "\nseed " + seed + " (stock " + stock + ", webhook delay <= " + maxWebhookDelay + " ms, push latency <= "
          + maxPushLatency + " ms, refused " + String.format("%.2f", pushRefused) + ", ack lost "
          + String.format("%.2f", ackLost) + ", buyers/s " + buyersPerSecond + ")";
    }
  }
}

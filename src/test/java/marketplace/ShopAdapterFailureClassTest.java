package marketplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Await.await;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import common.Channel;
import common.OrderDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import marketplace.stock.ListingSyncStore;
import marketplace.stock.PushSettings;
import marketplace.stock.StockStaleness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sku.Listing;
import support.TestConfig;
import support.TestDatabase;

/**
 * A shop adapter's stock pushes against a fake marketplace that refuses them with each error class, counting the
 * calls it gets: a permanent refusal is not repeated, a daily cap stops the shop's calls until its reset time,
 * transient failures stop after max-retries. Sync rows in PostgreSQL.
 */
class ShopAdapterFailureClassTest {
  private static final String SHOP = "4242";
  private static ActorTestKit kit;
  private static PushSettings settings;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Config config = TestConfig.postgres(Map.of("akka.actor.provider", "local",
        "orchestrator.stock-sync.retry-min", "50ms", "orchestrator.stock-sync.retry-max", "100ms",
        "orchestrator.stock-sync.max-retries", 3, "orchestrator.stock-sync.min-push-interval", "1ms"));
    kit = ActorTestKit.create("adapter-classes", config);
    settings = PushSettings.from(config);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** One stock call as the fake marketplace got it. */
  record Pushed(String group, List<ShopApi.TargetStock> stocks) {}

  /** A Shopee-like shop: a group per item, a target per model; {@code answer} decides each call's result. */
  static final class FakeShop implements ShopApi {
    final List<Pushed> calls = new CopyOnWriteArrayList<>();
    volatile BiFunction<String, List<TargetStock>, CompletionStage<PushResult>> answer;

    FakeShop(BiFunction<String, List<TargetStock>, CompletionStage<PushResult>> answer) {
      this.answer = answer;
    }

    long callsFor(String group) {
      return calls.stream().filter(c -> c.group().equals(group)).count();
    }

    @Override public boolean configured() { return true; }
    @Override public CompletionStage<List<OrderDetails>> fetchOrders(List<String> ids) {
      return CompletableFuture.completedFuture(List.of());
    }
    @Override public CompletionStage<?> cancel(String orderId, List<String> refs) {
      return CompletableFuture.completedFuture(null);
    }
    @Override public String group(Listing listing) { return "item:" + listing.itemId(); }
    @Override public String target(Listing listing) { return listing.modelId(); }
    @Override public Duration pushWait() { return Duration.ZERO; }
    @Override public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
      calls.add(new Pushed(group, List.copyOf(stocks)));
      return answer.apply(group, stocks);
    }
    @Override public CompletionStage<Map<String, Integer>> readStock(String group) {
      return CompletableFuture.completedFuture(Map.of());
    }
  }

  private static CompletionStage<ShopApi.PushResult> ok() {
    return CompletableFuture.completedFuture(new ShopApi.PushResult(Map.of(), null));
  }

  private static CompletionStage<ShopApi.PushResult> failed(FailureClass failureClass, Instant pausedUntil) {
    return CompletableFuture.failedFuture(new MarketCallException(Channel.SHOPEE, SHOP, "update_stock",
        failureClass == FailureClass.PAUSE_UNTIL_RESET ? "error_limit" : "http_503", "injected", 1, failureClass,
        pausedUntil, null));
  }

  private static ActorRef<ShopAdapter.Command> adapter(FakeShop shop) {
    return kit.spawn(ShopAdapter.create(Channel.SHOPEE, SHOP, shop, settings,
        ListingSyncStore.get(kit.system()), StockStaleness.get(kit.system())));
  }

  private static ShopAdapter.PushStock push(String sku, long item, int quantity, long seq, boolean force) {
    Listing listing = Listing.shopee(SHOP, Long.toString(item), "1");
    return new ShopAdapter.PushStock(sku + "|" + listing.key(), sku, listing, quantity, seq, Instant.now(), true,
        force);
  }

  private static ListingSyncStore.Row row(String sku) {
    try {
      List<ListingSyncStore.Row> rows = ListingSyncStore.get(kit.system()).forSku(sku).toCompletableFuture().get();
      return rows.isEmpty() ? null : rows.get(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ten of the test's retry intervals (retry-max 100 ms). */
  private static void severalRetryIntervals() throws InterruptedException {
    Thread.sleep(1000);
  }

  @Test
  void aPermanentListingFailureIsSentOnceAndAgainOnlyAfterANewValueOrPushNow() throws Exception {
    FakeShop shop = new FakeShop((group, stocks) -> CompletableFuture.completedFuture(new ShopApi.PushResult(
        Map.of("1", new ShopApi.TargetFailure("failure_list: error_cannt_edit_stock_in_promotion",
            FailureClass.PERMANENT_LISTING)), null)));
    ActorRef<ShopAdapter.Command> adapter = adapter(shop);
    adapter.tell(push("PERM", 11, 5, 1, false));
    await("the first call", Duration.ofSeconds(5), () -> shop.callsFor("item:11") == 1);
    severalRetryIntervals();
    assertEquals(1, shop.callsFor("item:11"), "a permanent refusal is not retried");
    await("sync row blocked", Duration.ofSeconds(5), () -> row("PERM") != null && "blocked".equals(row("PERM").handling()));
    ListingSyncStore.Row blocked = row("PERM");
    assertEquals("PERMANENT_LISTING", blocked.failureClass());
    assertTrue(blocked.lastError().contains("error_cannt_edit_stock_in_promotion"), blocked.lastError());
    assertEquals(false, blocked.acknowledged());

    adapter.tell(push("PERM", 11, 5, 1, false)); // the catch-up's repeat of the same value
    severalRetryIntervals();
    assertEquals(1, shop.callsFor("item:11"), "the same value again is not a change");

    adapter.tell(push("PERM", 11, 4, 2, false));
    await("a new value is sent once", Duration.ofSeconds(5), () -> shop.callsFor("item:11") == 2);
    severalRetryIntervals();
    assertEquals(2, shop.callsFor("item:11"));
    assertEquals(4, shop.calls.get(1).stocks().get(0).quantity());

    shop.answer = (group, stocks) -> ok(); // the promotion ended; the operator pushes now
    adapter.tell(push("PERM", 11, 4, 2, true));
    await("push now sends it", Duration.ofSeconds(5), () -> shop.callsFor("item:11") == 3);
    await("and it is acknowledged", Duration.ofSeconds(5), () -> row("PERM").acknowledged());
    assertEquals(null, row("PERM").handling());
  }

  @Test
  void aDailyCapStopsEveryPushOfTheShopUntilTheResetThenTheLatestValuesGoOut() throws Exception {
    Instant reset = Instant.now().plusMillis(1500);
    FakeShop shop = new FakeShop((group, stocks) -> Instant.now().isBefore(reset)
        ? failed(FailureClass.PAUSE_UNTIL_RESET, reset) : ok());
    ActorRef<ShopAdapter.Command> adapter = adapter(shop);
    adapter.tell(push("CAP-A", 21, 10, 1, false));
    await("the call that hits the cap", Duration.ofSeconds(5), () -> shop.calls.size() == 1);
    Thread.sleep(200);
    adapter.tell(push("CAP-A", 21, 9, 2, false));
    adapter.tell(push("CAP-B", 22, 30, 1, false));
    adapter.tell(push("CAP-A", 21, 8, 3, false));
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), reset).toMillis() - 100));
    assertEquals(1, shop.calls.size(), "no call of the shop before the reset: " + shop.calls);
    await("after the reset, one call per item", Duration.ofSeconds(5),
        () -> shop.callsFor("item:21") == 2 && shop.callsFor("item:22") == 1);
    Thread.sleep(300);
    assertEquals(3, shop.calls.size(), "no back-off storm: " + shop.calls);
    Pushed a = shop.calls.stream().filter(c -> c.group().equals("item:21")).skip(1).findFirst().orElseThrow();
    assertEquals(8, a.stocks().get(0).quantity(), "the latest value");
    await("acknowledged", Duration.ofSeconds(5), () -> row("CAP-A").acknowledged() && row("CAP-A").lastValue() == 8);
  }

  @Test
  void transientFailuresStopAfterMaxRetriesAndTheListingIsMarkedFailed() throws Exception {
    FakeShop shop = new FakeShop((group, stocks) -> failed(FailureClass.RETRY, null));
    ActorRef<ShopAdapter.Command> adapter = adapter(shop);
    adapter.tell(push("FLAKY", 31, 3, 1, false));
    await("the first call and its max-retries (3) retries", Duration.ofSeconds(5), () -> shop.callsFor("item:31") == 4);
    severalRetryIntervals();
    assertEquals(4, shop.callsFor("item:31"), "bounded: not retried forever");
    await("marked failed", Duration.ofSeconds(5), () -> "failed".equals(row("FLAKY").handling()));
    ListingSyncStore.Row failed = row("FLAKY");
    assertEquals(false, failed.acknowledged());
    assertEquals(4, failed.attempts());
    assertEquals("RETRY", failed.failureClass());

    shop.answer = (group, stocks) -> ok();
    adapter.tell(push("FLAKY", 31, 2, 2, false));
    await("the next change goes out and is acknowledged", Duration.ofSeconds(5), () -> row("FLAKY").acknowledged());
    assertEquals(5, shop.callsFor("item:31"));
  }

  @Test
  void aDeauthorisedShopWaitsUntilResumedAndReconciliationLeavesABlockedListingAlone() throws Exception {
    FakeShop shop = new FakeShop((group, stocks) -> failed(FailureClass.PAUSE_SHOP, null));
    ActorRef<ShopAdapter.Command> adapter = adapter(shop);
    adapter.tell(push("AUTH", 41, 6, 1, false));
    await("the call that finds the shop de-authorised", Duration.ofSeconds(5), () -> shop.calls.size() == 1);
    adapter.tell(push("AUTH", 41, 7, 2, false));
    severalRetryIntervals();
    assertEquals(1, shop.calls.size(), "paused until resumed");
    await("sync row paused", Duration.ofSeconds(5), () -> "paused".equals(row("AUTH").handling()));

    shop.answer = (group, stocks) -> ok();
    var probe = kit.<ShopAdapter.ShopResumed>createTestProbe();
    adapter.tell(new ShopAdapter.ResumeShop(probe.getRef()));
    assertTrue(probe.receiveMessage().wasPaused());
    await("the latest value after the resume", Duration.ofSeconds(5), () -> shop.calls.size() == 2);
    assertEquals(7, shop.calls.get(1).stocks().get(0).quantity());

    // A blocked listing that the marketplace shows wrong is not re-pushed by reconciliation.
    shop.answer = (group, stocks) -> CompletableFuture.completedFuture(new ShopApi.PushResult(
        Map.of("1", new ShopApi.TargetFailure("error_item_uneditable", FailureClass.PERMANENT_LISTING)), null));
    adapter.tell(push("AUTH", 41, 9, 3, false));
    await("refused for good", Duration.ofSeconds(5), () -> shop.calls.size() == 3);
    var reconciled = kit.<ShopAdapter.StockReconciled>createTestProbe();
    adapter.tell(new ShopAdapter.ReconcileStock(List.of(push("AUTH", 41, 9, 3, true)), reconciled.getRef()));
    assertEquals(0, reconciled.receiveMessage().drifted());
    severalRetryIntervals();
    assertEquals(3, shop.calls.size());
  }

  @Test
  void aShopWhosePauseIsLiftedElsewhereSendsItsLatestValueWithoutAnOperator() throws Exception {
    CallOutcomes outcomes = new CallOutcomes();
    MarketplaceConfig.ClientSettings client = new MarketplaceConfig.ClientSettings(Duration.ofSeconds(1),
        Duration.ofSeconds(2), 4, 2, Duration.ofMillis(10), Duration.ofMillis(20), 0.2, 100, Duration.ofSeconds(5),
        Duration.ofSeconds(1));
    ShopGuard guard = new ShopGuard(kit.system(), Channel.SHOPEE, SHOP, client,
        ShopGuard.perApi(kit.system(), 1000, 100), outcomes);
    // the fake shop's calls go through the real guard, so a de-authorisation pauses it
    FakeShop shop = new FakeShop(null);
    java.util.concurrent.atomic.AtomicBoolean authorised = new java.util.concurrent.atomic.AtomicBoolean(false);
    shop.answer = (group, stocks) -> guard.call("update_stock", () -> CompletableFuture.completedFuture(
        authorised.get() ? new ShopGuard.Attempt.Ok<>(new ShopApi.PushResult(Map.of(), null), "200")
            : new ShopGuard.Attempt.Fail<ShopApi.PushResult>("shop_no_linked", "not authorised",
                FailureClass.PAUSE_SHOP)));
    ActorRef<ShopAdapter.Command> adapter = kit.spawn(ShopAdapter.create(Channel.SHOPEE, SHOP, shop, settings,
        ListingSyncStore.get(kit.system()), StockStaleness.get(kit.system()), outcomes));
    adapter.tell(push("REAUTH", 51, 3, 1, false));
    await("the call that finds the shop not authorised", Duration.ofSeconds(5), () -> shop.calls.size() == 1);
    adapter.tell(push("REAUTH", 51, 2, 2, false));
    severalRetryIntervals();
    assertEquals(1, shop.calls.size(), "held while the guard is paused");
    assertEquals(FailureClass.PAUSE_SHOP, guard.pause().orElseThrow().failureClass());

    authorised.set(true);
    guard.resume(); // as a new authorisation would
    await("the latest value once the guard is no longer paused", Duration.ofSeconds(5), () -> shop.calls.size() == 2);
    assertEquals(2, shop.calls.get(1).stocks().get(0).quantity());
    await("acknowledged", Duration.ofSeconds(5), () -> row("REAUTH").acknowledged());
  }
}

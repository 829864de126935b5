package marketplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import common.Channel;
import common.Futures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A shop's pause as the admin API sees and lifts it, on a clock the test moves. */
class ShopGuardPauseTest {
  private static final ActorTestKit kit = ActorTestKit.create("pause");
  private static final MarketplaceConfig.ClientSettings SETTINGS = new MarketplaceConfig.ClientSettings(
      Duration.ofSeconds(1), Duration.ofSeconds(2), 4, 3, Duration.ofMillis(10), Duration.ofMillis(40), 0.2,
      100, Duration.ofSeconds(5), Duration.ofSeconds(1));

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-10T15:59:00Z"));
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };
  private final CallOutcomes outcomes = new CallOutcomes();
  private final ShopGuard guard = new ShopGuard(kit.system(), Channel.TIKTOK, "7001", SETTINGS,
      ShopGuard.perApi(kit.system(), 1000, 100), outcomes, clock);
  private final AtomicInteger sent = new AtomicInteger();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private String call(ShopGuard.Attempt<String> answer) {
    try {
      return guard.call("update_inventory", () -> {
        sent.incrementAndGet();
        return CompletableFuture.completedFuture(answer);
      }).toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = Futures.unwrap(e);
      return cause instanceof MarketCallException m ? m.code() : cause.toString();
    }
  }

  @Test
  void theDailyResetIsMidnightUtcPlusEight() {
    assertEquals(Instant.parse("2026-03-10T16:00:00Z"),
        ShopGuard.nextDailyReset(Instant.parse("2026-03-10T15:59:00Z"), ShopGuard.DAILY_RESET_ZONE));
    assertEquals(Instant.parse("2026-03-11T16:00:00Z"),
        ShopGuard.nextDailyReset(Instant.parse("2026-03-10T16:00:00Z"), ShopGuard.DAILY_RESET_ZONE));
  }

  @Test
  void aDailyCapWithoutItsOwnEndLastsUntilTheNextReset() {
    assertEquals("error_limit", call(new ShopGuard.Attempt.Fail<>("error_limit", "cap", FailureClass.PAUSE_UNTIL_RESET)));
    ShopGuard.Pause pause = guard.pause().orElseThrow();
    assertEquals(Instant.parse("2026-03-10T16:00:00Z"), pause.until());
    assertEquals(pause, outcomes.pause(Channel.TIKTOK, "7001").orElseThrow(), "the admin API sees it");
    now.set(Instant.parse("2026-03-10T15:59:59Z"));
    assertEquals("shop_paused", call(new ShopGuard.Attempt.Ok<>("ok", "200")));
    assertEquals(1L, outcomes.get(Channel.TIKTOK, "7001", "update_inventory").paused());
    now.set(Instant.parse("2026-03-10T16:00:00Z"));
    assertEquals("ok", call(new ShopGuard.Attempt.Ok<>("ok", "200")));
    assertTrue(guard.pause().isEmpty());
    assertEquals(2, sent.get(), "the held call was never sent");
  }

  @Test
  void aDeauthorisedShopIsPausedUntilAnOperatorResumesIt() {
    assertEquals("105002x", call(new ShopGuard.Attempt.Fail<>("105002x", "shop de-authorised", FailureClass.PAUSE_SHOP)));
    now.set(now.get().plus(Duration.ofDays(3)));
    assertEquals("shop_paused", call(new ShopGuard.Attempt.Ok<>("ok", "200")), "no end by itself");
    assertEquals(FailureClass.PAUSE_SHOP, guard.pause().orElseThrow().failureClass());
    assertTrue(outcomes.resume(Channel.TIKTOK, "7001"), "resume through the node's outcomes (admin API)");
    assertFalse(outcomes.resume(Channel.TIKTOK, "7001"), "not paused any more");
    assertEquals("ok", call(new ShopGuard.Attempt.Ok<>("ok", "200")));
    assertEquals(2, sent.get());
  }

  @Test
  void otherFailuresDoNotPauseTheShop() {
    assertEquals("error_item_not_found", call(new ShopGuard.Attempt.Fail<>("error_item_not_found", "gone",
        FailureClass.PERMANENT_LISTING)));
    assertTrue(guard.pause().isEmpty());
    assertEquals("ok", call(new ShopGuard.Attempt.Ok<>("ok", "200")));
    assertEquals(null, outcomes.get(Channel.TIKTOK, "7001", "update_inventory").paused(), "no pause, no field");
  }
}

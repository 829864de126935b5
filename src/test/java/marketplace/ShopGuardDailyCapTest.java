package marketplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import common.Channel;
import common.Futures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * ShopGuard on the error classes that decide more than one call: a daily cap pauses every call of the shop, unsent,
 * until its reset time; Retry-After (or an envelope's minDelay) is waited for; retries are bounded. Real time, a fake
 * platform: no network.
 */
class ShopGuardDailyCapTest {
  private static final ActorTestKit kit = ActorTestKit.create("guard");
  private static final MarketplaceConfig.ClientSettings SETTINGS = new MarketplaceConfig.ClientSettings(
      Duration.ofSeconds(1), Duration.ofSeconds(2), 4, 4, Duration.ofMillis(10), Duration.ofMillis(40), 0.2,
      100, Duration.ofSeconds(5), Duration.ofSeconds(1));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ShopGuard guard(CallOutcomes outcomes) {
    return new ShopGuard(kit.system(), Channel.SHOPEE, "9001", SETTINGS,
        ShopGuard.perApi(kit.system(), 1000, 100), outcomes);
  }

  private static <T> Throwable failure(CompletionStage<T> call) {
    try {
      call.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Futures.unwrap(e);
    }
    throw new AssertionError("the call succeeded");
  }

  /** A platform that answers each attempt with the next of {@code answers}, the last one repeated, counting them. */
  private static <T> Supplier<CompletionStage<ShopGuard.Attempt<T>>> platform(AtomicInteger sent,
      List<ShopGuard.Attempt<T>> answers) {
    return () -> {
      int n = sent.getAndIncrement();
      return CompletableFuture.completedFuture(answers.get(Math.min(n, answers.size() - 1)));
    };
  }

  @Test
  void aDailyCapPausesEveryCallOfTheShopUnsentUntilTheResetTime() throws Exception {
    CallOutcomes outcomes = new CallOutcomes();
    ShopGuard guard = guard(outcomes);
    Instant reset = Instant.now().plusMillis(1500);
    AtomicInteger stockSent = new AtomicInteger();
    Throwable capped = failure(guard.call("update_stock", platform(stockSent, List.of(new ShopGuard.Attempt.Fail<>(
        "error_limit", "daily call limit reached", FailureClass.PAUSE_UNTIL_RESET, reset)))));
    assertEquals(1, stockSent.get(), "a daily cap is not retried");
    assertEquals(FailureClass.PAUSE_UNTIL_RESET, ((MarketCallException) capped).failureClass());

    // Every kind of call of the shop, not only the one that hit the cap, fails at once and is never sent.
    AtomicInteger fetchSent = new AtomicInteger();
    for (String kind : List.of("order_detail", "update_stock", "cancel_order")) {
      Throwable held = failure(guard.call(kind, platform(fetchSent, List.of(new ShopGuard.Attempt.Ok<>("ok", "200")))));
      MarketCallException paused = assertInstanceOf(MarketCallException.class, held);
      assertEquals("shop_paused", paused.code(), kind);
      assertEquals(FailureClass.PAUSE_UNTIL_RESET, paused.failureClass(), kind);
      assertEquals(reset, paused.pausedUntil(), kind);
      assertEquals(0, paused.attempts(), "nothing was sent for " + kind);
    }
    assertEquals(0, fetchSent.get(), "no call reached the platform during the pause");
    CallOutcomes.Outcome detail = outcomes.get(Channel.SHOPEE, "9001", "order_detail");
    assertEquals(1, detail.failures(), "the held call shows in the outcomes");
    assertEquals(0, detail.attempts());
    assertTrue(detail.lastError().startsWith("shop_paused"), detail.lastError());
    assertTrue(detail.responses().isEmpty(), "and not among the responses: it was never sent");

    long wait = Duration.between(Instant.now(), reset).toMillis() + 50;
    if (wait > 0) Thread.sleep(wait);
    assertEquals("ok", guard.call("order_detail", platform(fetchSent, List.of(new ShopGuard.Attempt.Ok<>("ok", "200"))))
        .toCompletableFuture().get(5, TimeUnit.SECONDS), "after the reset the shop's calls go out again");
    assertEquals(1, fetchSent.get());
  }

  @Test
  void retryAfterIsWaitedForBeforeTheNextAttempt() throws Exception {
    ShopGuard guard = guard(new CallOutcomes());
    List<Long> sentAt = new CopyOnWriteArrayList<>();
    Supplier<CompletionStage<ShopGuard.Attempt<String>>> platform = () -> {
      sentAt.add(System.nanoTime());
      return CompletableFuture.completedFuture(sentAt.size() == 1
          // HTTP 429 with Retry-After, or an envelope's rate limit carrying its own delay: both arrive as minDelay
          ? new ShopGuard.Attempt.Retry<>("http_429", "Too many requests", false, Duration.ofMillis(600))
          : new ShopGuard.Attempt.Ok<>("ok", "200"));
    };
    assertEquals("ok", guard.call("update_stock", platform).toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(2, sentAt.size());
    long gapMillis = (sentAt.get(1) - sentAt.get(0)) / 1_000_000;
    assertTrue(gapMillis >= 590, "the retry waited " + gapMillis + " ms, the back-off alone is at most 40 ms");
  }

  @Test
  void retriesAreBoundedByMaxAttempts() {
    ShopGuard guard = guard(new CallOutcomes());
    AtomicInteger sent = new AtomicInteger();
    Throwable e = failure(guard.call("update_stock", platform(sent,
        List.<ShopGuard.Attempt<String>>of(new ShopGuard.Attempt.Retry<>("http_503", "busy", false, null)))));
    assertEquals(SETTINGS.maxAttempts(), sent.get());
    assertEquals(FailureClass.RETRY, ((MarketCallException) e).failureClass());
    assertEquals(SETTINGS.maxAttempts(), ((MarketCallException) e).attempts());
  }

  @Test
  void retryAfterIsReadInSecondsAndCapped() {
    HttpCaller.Reply three = new HttpCaller.Reply(429, new byte[0], java.util.Optional.of("3"));
    HttpCaller.Reply huge = new HttpCaller.Reply(429, new byte[0], java.util.Optional.of("86400"));
    HttpCaller.Reply date = new HttpCaller.Reply(429, new byte[0], java.util.Optional.of("Wed, 21 Oct 2026 07:28:00 GMT"));
    assertEquals(Duration.ofSeconds(3), HttpCaller.retryAfter(three));
    assertEquals(Duration.ofSeconds(60), HttpCaller.retryAfter(huge), "a minute at most within one call");
    assertEquals(null, HttpCaller.retryAfter(date), "an HTTP date falls back to the back-off");
  }
}

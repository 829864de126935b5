package marketplace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import common.Futures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Calls beyond what a shop's rate limit serves within max-queue-wait are refused at once as retryable
 * (rate_limit_queue_full) instead of waiting in memory: 100 cancellations at 10 calls/s with 1 s of queue, about
 * 11 wait (the burst and a second's worth), the rest are refused without a request, and the ones kept all go out.
 */
class ShopGuardQueueTest {
  private static final ActorTestKit kit = ActorTestKit.create("queue",
      ConfigFactory.parseString("orchestrator.marketplaces.max-queue-wait = 1s"));
  private static final MarketplaceConfig.ClientSettings SETTINGS = new MarketplaceConfig.ClientSettings(
      Duration.ofSeconds(1), Duration.ofSeconds(2), 4, 3, Duration.ofMillis(10), Duration.ofMillis(40), 0.2,
      100, Duration.ofSeconds(5), Duration.ofSeconds(1));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void callsBeyondTheQueueWaitAreRefusedRetryableWithoutARequest() throws Exception {
    ShopGuard guard = new ShopGuard(kit.system(), Channel.SHOPEE, "1001", SETTINGS,
        ShopGuard.perApi(kit.system(), 10, 1), new CallOutcomes());
    AtomicInteger sent = new AtomicInteger();
    List<CompletionStage<String>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(guard.call("cancel_order", () -> {
        sent.incrementAndGet();
        return CompletableFuture.completedFuture(new ShopGuard.Attempt.Ok<>("cancelled", "ok"));
      }));
    }
    int ok = 0;
    int refused = 0;
    for (CompletionStage<String> c : calls) {
      try {
        c.toCompletableFuture().get(10, TimeUnit.SECONDS);
        ok++;
      } catch (Exception e) {
        MarketCallException m = (MarketCallException) Futures.unwrap(e);
        assertEquals("rate_limit_queue_full", m.code());
        assertTrue(m.retryable(), "asked again later");
        assertTrue(MarketCalls.queueFull(e), "told apart from a failure of the platform (the order stays quiet)");
        assertEquals(0, m.attempts(), "no request was sent for it");
        refused++;
      }
    }
    assertTrue(ok >= 10 && ok <= 13, ok + " calls kept within 1 s of queue at 10/s");
    assertEquals(100, ok + refused);
    assertEquals(ok, sent.get(), "every kept call went out, no refused one did");
    assertFalse(MarketCalls.queueFull(new MarketCallException(common.Channel.SHOPEE, "1", "cancel_order",
        "error_busy", "the platform is busy", 3, true, null)));
  }
}

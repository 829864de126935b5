package marketplace.whatsapp;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;
import static support.SandboxFixture.failure;

import common.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import marketplace.MarketCallException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;

class WhatsAppClientTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final String NUMBER = "5550001";
  WhatsAppClient client;

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
    client = new WhatsAppClient(fx.testKit.system(), fx.config.mapShops(s -> s, t -> t,
        w -> w.withRecipientBackoff(Duration.ofMillis(300), Duration.ofSeconds(2))));
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  void templateIsSentWithBearerTokenAndParameters() {
    var sent = await(client.sendTemplate(NUMBER, "+62 812-0001", "order_confirmed", "en", List.of("SN1")));
    assertTrue(sent.messageId().startsWith("wamid."));
    var body = fx.sandbox.whatsAppSent().get(0);
    assertEquals("628120001", body.get("to").asText());
    assertEquals("order_confirmed", body.at("/template/name").asText());
    assertEquals("SN1", body.at("/template/components/0/parameters/0/text").asText());
  }

  @Test
  void undeliverable131026IsNotRetried() {
    fx.sandbox.failWhatsAppRecipient("6281", 131026, 5);
    MarketCallException e = failure(client.sendText(NUMBER, "6281", "hello"), MarketCallException.class);
    assertEquals("131026", e.code());
    assertEquals(1, e.attempts());
    assertFalse(e.retryable());
    assertEquals(1, fx.sandbox.calls(Channel.WHATSAPP, "/messages").size());
  }

  @Test
  void tooManyToOneRecipientBacksOffThatRecipientOnly() {
    fx.sandbox.failWhatsAppRecipient("6282", 131056, 2);
    long start = System.nanoTime();
    CompletableFuture<Long> slow = client.sendText(NUMBER, "6282", "a").toCompletableFuture()
        .thenApply(s -> System.nanoTime());
    // Let the first 131056 land, then send to another buyer: it must not wait.
    for (int i = 0; i < 100 && client.recipientBackoff(NUMBER, "6282").isZero(); i++) sleep(10);
    assertFalse(client.recipientBackoff(NUMBER, "6282").isZero(), "6282 is backed off");
    long otherStart = System.nanoTime();
    await(client.sendText(NUMBER, "6283", "b"));
    assertTrue(Duration.ofNanos(System.nanoTime() - otherStart).toMillis() < 250, "another recipient is not delayed");
    assertEquals(Duration.ZERO, client.recipientBackoff(NUMBER, "6283"));
    long done = await(slow);
    // 300 ms after the first 131056, 600 ms after the second.
    assertTrue(Duration.ofNanos(done - start).toMillis() >= 900, "backed off 300 + 600 ms");
    var outcome = client.outcomes().get(Channel.WHATSAPP, NUMBER, "send_text");
    assertEquals(4, outcome.attempts()); // 3 to 6282, 1 to 6283
    assertEquals(2, outcome.retries());
    assertEquals(2, outcome.successes());
  }

  @Test
  void throughputLimit130429IsRetriedLater() {
    fx.sandbox.injectPlatformError(Channel.WHATSAPP, "/messages", "130429", 2);
    assertNotNull(await(client.sendText(NUMBER, "6284", "hi")).messageId());
    assertEquals(3, client.outcomes().get(Channel.WHATSAPP, NUMBER, "send_text").attempts());
  }

  @Test
  void otherPermanentCodesFailAtOnce() {
    fx.sandbox.failWhatsAppRecipient("6285", 131047, 1);
    MarketCallException e = failure(client.sendText(NUMBER, "6285", "late"), MarketCallException.class);
    assertEquals("131047", e.code());
    assertEquals(1, e.attempts());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}

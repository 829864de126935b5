package marketplace.whatsapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import infra.Database;
import infra.SchemaMigrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import marketplace.OutboundMessages;
import marketplace.WebhookEvent;
import marketplace.WhatsAppSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.TestConfig;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * The WhatsApp sender against the sandbox and the real test PostgreSQL: one message per order and kind however many
 * times the order asks, failures classified for the order; and the outbound_messages status rules on PostgreSQL and
 * on the embedded H2 (its SQL differs).
 */
class WhatsAppSenderTest {
  private static final String NUMBER = "5550001";
  private static ActorTestKit testKit;
  private static Sandbox sandbox;
  private static OutboundMessages outbox;
  private static ActorRef<WhatsAppSender.Command> sender;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Config config = TestConfig.postgres(Map.<String, Object>of("akka.actor.provider", "local", "orchestrator.sandbox.port", 0));
    testKit = ActorTestKit.create("sender", config);
    sandbox = Sandbox.start(testKit.system(), config);
    MarketplaceConfig base = MarketplaceConfig.fromConfig(config).withSandboxBaseUrl(sandbox.baseUrl());
    MarketplaceConfig fast = base.withClient(base.client()
        // generous: a send that times out after WhatsApp accepted it is retried by the client, which would be a
        // second message (no idempotency key); this test is about the sender's own de-duplication
        .withRequestTimeout(Duration.ofSeconds(10))
        .withRetry(3, Duration.ofMillis(20), Duration.ofMillis(100))
        .withBreaker(50, Duration.ofSeconds(1)));
    outbox = new OutboundMessages(Database.get(testKit.system()));
    sender = testKit.spawn(WhatsAppSender.create(NUMBER, new WhatsAppClient(testKit.system(), fast), outbox,
        Set.of("190")));
    // warm up the HTTP client and the database pool so the timing test below measures the sender only
    TestProbe<WhatsAppSender.SendReply> warmUp = testKit.createTestProbe();
    sender.tell(request("shopee|1001|WARM-UP", "628700000000", warmUp.getRef()));
    warmUp.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(20));
  }

  @AfterAll
  static void stop() {
    sandbox.close();
    testKit.shutdownTestKit();
  }

  private static WhatsAppSender.SendTemplate request(String orderKey, String to, ActorRef<WhatsAppSender.SendReply> r) {
    return new WhatsAppSender.SendTemplate(orderKey, "CONFIRMED", to, "order_confirmed", "en", List.of("X-1"), r);
  }

  private static long messagesTo(String to) {
    return sandbox.whatsAppSent().stream().map(m -> m.path("to").asText()).filter(to::equals).count();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anOrderAskingAgainNeverCausesASecondMessage() throws Exception {
    String to = "628700000001";
    sandbox.setLatency(Channel.WHATSAPP, Duration.ofMillis(300));
    try {
      TestProbe<WhatsAppSender.SendReply> first = testKit.createTestProbe();
      TestProbe<WhatsAppSender.SendReply> second = testKit.createTestProbe();
      sender.tell(request("shopee|1001|A-1", to, first.getRef()));
      sender.tell(request("shopee|1001|A-1", to, second.getRef())); // while the first is in flight
      WhatsAppSender.Sent a = first.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(5));
      WhatsAppSender.Sent b = second.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(5));
      assertEquals(a.wamid(), b.wamid());
    } finally {
      sandbox.setLatency(Channel.WHATSAPP, Duration.ZERO);
    }
    // later, as an order restarted after the send but before recording it would ask
    TestProbe<WhatsAppSender.SendReply> third = testKit.createTestProbe();
    sender.tell(request("shopee|1001|A-1", to, third.getRef()));
    WhatsAppSender.Sent c = third.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(5));
    assertEquals(1, messagesTo(to), "one message for the order and kind");
    assertEquals(c.wamid(), await(outbox.find("shopee|1001|A-1", "CONFIRMED")));
    // the same buyer, another order: a message of its own
    sender.tell(request("shopee|1001|A-2", to, third.getRef()));
    third.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(5));
    assertEquals(2, messagesTo(to));
  }

  @Test
  void failuresAreClassifiedForTheOrder() {
    TestProbe<WhatsAppSender.SendReply> probe = testKit.createTestProbe();
    sandbox.failWhatsAppRecipient("628700000002", 131026, 1);
    sender.tell(request("shopee|1001|B-1", "628700000002", probe.getRef()));
    WhatsAppSender.SendFailed undeliverable = probe.expectMessageClass(WhatsAppSender.SendFailed.class);
    assertEquals("131026", undeliverable.code());
    assertFalse(undeliverable.retryable(), "131026 is final");

    sandbox.failWhatsAppRecipient("628700000003", 130429, 10);
    sender.tell(request("shopee|1001|B-2", "628700000003", probe.getRef()));
    WhatsAppSender.SendFailed throttled = probe.expectMessageClass(WhatsAppSender.SendFailed.class,
        Duration.ofSeconds(5));
    assertEquals("130429", throttled.code());
    assertTrue(throttled.retryable(), "throughput limits are retried by the order");
    assertEquals(0, messagesTo("628700000002") + messagesTo("628700000003"));
  }

  @Test
  void deliveryStatusesOnPostgres() throws Exception {
    checkStatusRules(outbox, "wamid.PG");
  }

  @Test
  void deliveryStatusesOnTheEmbeddedH2() throws Exception {
    Path dir = Files.createTempDirectory("outbound-h2");
    // the first H2 connection creates the database: slow on a busy machine
    Config config = ConfigFactory.parseString("""
        akka.actor.provider = local
        orchestrator.db.pool.connection-timeout = 30s
        """).withFallback(TestConfig.h2(dir));
    ActorTestKit h2Kit = ActorTestKit.create("h2outbox", config);
    try {
      Database database = Database.get(h2Kit.system());
      assertEquals("h2", database.profile());
      SchemaMigrator.migrate(database.dataSource(), database.profile());
      checkStatusRules(new OutboundMessages(database), "wamid.H2");
    } finally {
      h2Kit.shutdownTestKit();
    }
  }

  private static WebhookEvent.WhatsAppDelivery status(String wamid, String status, long seconds) {
    return new WebhookEvent.WhatsAppDelivery(NUMBER, wamid, status, Instant.ofEpochSecond(seconds), "62870",
        status.equals("failed") ? List.of(new WebhookEvent.DeliveryError(131026, "undeliverable")) : List.of());
  }

  /** Newest timestamp wins, rank breaks ties, repeats change nothing, a status before the sender's row is kept. */
  private static void checkStatusRules(OutboundMessages messages, String wamid) throws Exception {
    String order = "whatsapp|" + NUMBER + "|" + wamid;
    assertTrue(await(messages.recordDelivery(status(wamid, "delivered", 1_000))), "raced ahead of the sender");
    await(messages.recordSent(wamid, order, "CONFIRMED", NUMBER, Instant.ofEpochSecond(999)));
    List<OutboundMessages.Message> rows = await(messages.forOrder(order));
    assertEquals(1, rows.size());
    assertEquals("delivered", rows.get(0).status(), "the sender's row keeps the status that came first");

    assertFalse(await(messages.recordDelivery(status(wamid, "sent", 995))), "a late 'sent' does not regress");
    assertTrue(await(messages.recordDelivery(status(wamid, "read", 1_000))), "same second, later status");
    assertFalse(await(messages.recordDelivery(status(wamid, "read", 1_000))), "the same status again");
    assertFalse(await(messages.recordDelivery(status(wamid, "delivered", 1_000))));
    OutboundMessages.Message row = await(messages.forOrder(order)).get(0);
    assertEquals("read", row.status());
    assertEquals(Instant.ofEpochSecond(1_000), row.statusAt());
    assertNull(row.errors());

    assertTrue(await(messages.recordDelivery(status(wamid, "failed", 1_005))));
    row = await(messages.forOrder(order)).get(0);
    assertEquals("failed", row.status());
    assertEquals("131026 undeliverable", row.errors());
    assertEquals(wamid, await(messages.find(order, "CONFIRMED")));
    assertNull(await(messages.find(order, "SHIPPED")));
  }

  @Test
  void withoutAPhoneInTheOrderItIsReadFromTheStoreAndWhenErasedNothingIsSent() {
    java.util.Map<String, String> phones = new java.util.concurrent.ConcurrentHashMap<>(
        Map.of("whatsapp|5550001|W-HELD", "628700000077"));
    marketplace.BuyerPhones store = key -> java.util.concurrent.CompletableFuture.completedFuture(
        java.util.Optional.ofNullable(phones.get(key)));
    ActorRef<WhatsAppSender.Command> withStore = testKit.spawn(WhatsAppSender.create(NUMBER,
        new WhatsAppClient(testKit.system(), MarketplaceConfig.fromConfig(testKit.system().settings().config())
            .withSandboxBaseUrl(sandbox.baseUrl())), outbox, Set.of("190"), store));
    TestProbe<WhatsAppSender.SendReply> probe = testKit.createTestProbe();
    withStore.tell(request("whatsapp|5550001|W-HELD", null, probe.getRef()));
    probe.expectMessageClass(WhatsAppSender.Sent.class, Duration.ofSeconds(20));
    assertEquals(1, messagesTo("628700000077"), "sent to the stored phone");
    withStore.tell(request("whatsapp|5550001|W-ERASED", null, probe.getRef()));
    WhatsAppSender.SendFailed failed = probe.expectMessageClass(WhatsAppSender.SendFailed.class,
        Duration.ofSeconds(20));
    assertEquals("no_phone", failed.code());
    assertEquals(false, failed.retryable(), "final: the order records it and never asks again");
  }
}

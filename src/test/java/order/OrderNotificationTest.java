package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.RecipientRef;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import infra.AppConfig;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;

/**
 * Buyer notifications as outstanding items of the order: the WhatsApp sender is a probe, so every send is counted.
 * WhatsApp has no idempotency key, so the point is the only second send is the one after a restart between the send
 * and its recorded outcome; retry ticks never re-send a message in flight.
 */
class OrderNotificationTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
      .withFallback(AppConfig.load()));

  private static final Duration RETRY = Duration.ofMillis(100);
  /** Several retry rounds of {@link #RETRY}, back-off included. */
  private static final Duration SEVERAL_ROUNDS = Duration.ofMillis(1500);
  private static final String SHOP = "shop1";
  private static final String ORDER_ID = "SN-7";
  private static final String KEY = OrderEntity.orderKey(Channel.SHOPEE, SHOP, ORDER_ID);
  private static final String PHONE = "+62 812-34";

  private final Map<String, TestProbe<SkuEntity.Command>> skus = new ConcurrentHashMap<>();
  private TestProbe<ShopAdapter.Command> shop;
  private TestProbe<WhatsAppSender.Command> whatsApp;
  private EventSourcedBehaviorTestKit<OrderEntity.Command, OrderEvents.Event, OrderState.State> order;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private void start(Duration replyTimeout) {
    shop = testKit.createTestProbe();
    whatsApp = testKit.createTestProbe();
    skus.clear();
    OrderPeers peers = new OrderPeers() {
      @Override
      public RecipientRef<SkuEntity.Command> sku(String sku) {
        return skus.computeIfAbsent(sku, s -> testKit.createTestProbe()).getRef();
      }

      @Override
      public RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId) {
        return shop.getRef();
      }

      @Override
      public RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId) {
        assertEquals("5550001", phoneNumberId);
        return whatsApp.getRef();
      }
    };
    BuyerNotifications.NotificationSettings notifications = new BuyerNotifications.NotificationSettings(true, "5550001",
        "order_confirmed", "order_shipped", "id", replyTimeout);
    OrderSettings settings = new OrderSettings(Duration.ofMinutes(30), RETRY, RETRY.multipliedBy(4),
        RETRY, true, notifications);
    order = EventSourcedBehaviorTestKit.create(testKit.system(),
        OrderEntity.create(KEY, settings, peers, Clock.systemUTC()));
  }

  // ------------------------------------------------------------------ helpers

  private static OrderDetails details(String phone) {
    return new OrderDetails(Channel.SHOPEE, SHOP, ORDER_ID, "READY_TO_SHIP", MarketStatus.PAID, "Ana", phone,
        "Jl. 1", "IDR", new BigDecimal("100"),
        List.of(new OrderDetails.Line("A", 1, BigDecimal.TEN, "item A", "item-A")), Instant.now(), Instant.now());
  }

  private void notify(String raw, MarketStatus status, String dedupId) {
    var result = order.<StatusReply<Done>>runCommand(r -> new OrderEntity.Notify(Channel.SHOPEE, SHOP, ORDER_ID,
        raw, status, dedupId, Instant.now(), null, r));
    assertTrue(result.reply().isSuccess());
  }

  private void confirm(String phone) {
    notify("READY_TO_SHIP", MarketStatus.PAID, "m1");
    shop.expectMessageClass(ShopAdapter.FetchOrder.class).replyTo().tell(new ShopAdapter.OrderFetched(details(phone)));
    SkuEntity.Reserve reserve = awaitSku("A").expectMessageClass(SkuEntity.Reserve.class);
    reserve.replyTo().tell(new SkuEntity.ReserveAccepted("A", KEY, 1));
    awaitPhase(Phase.CONFIRMED);
  }

  private void ship(String tracking) {
    var reply = order.<StatusReply<OrderView>>runCommand(r -> new OrderEntity.Ship(tracking, "ops", r));
    assertTrue(reply.reply().isSuccess());
    awaitSku("A").expectMessageClass(SkuEntity.Commit.class).replyTo()
        .tell(new SkuEntity.CommitAccepted("A", KEY, 1));
    awaitPhase(Phase.SHIPPED);
  }

  private WhatsAppSender.SendTemplate expectSend(String kind) {
    WhatsAppSender.SendTemplate send = whatsApp.expectMessageClass(WhatsAppSender.SendTemplate.class,
        Duration.ofSeconds(3));
    assertEquals(KEY, send.orderKey());
    assertEquals(kind, send.kind());
    return send;
  }

  private TestProbe<SkuEntity.Command> awaitSku(String sku) {
    long deadline = System.currentTimeMillis() + 3000;
    while (!skus.containsKey(sku) && System.currentTimeMillis() < deadline) sleep(10);
    assertTrue(skus.containsKey(sku), "a message was sent to SKU " + sku);
    return skus.get(sku);
  }

  private void awaitPhase(Phase phase) {
    long deadline = System.currentTimeMillis() + 3000;
    while (phase != order.getState().phase() && System.currentTimeMillis() < deadline) sleep(20);
    assertEquals(phase, order.getState().phase());
  }

  private BuyerNotifications.Notification awaitNotification(OrderEvents.NotificationKind kind,
                                                     BuyerNotifications.NotificationStatus status) {
    long deadline = System.currentTimeMillis() + 3000;
    while (System.currentTimeMillis() < deadline) {
      BuyerNotifications.Notification n = order.getState().data().notification(kind);
      if (n != null && n.status() == status) return n;
      sleep(20);
    }
    throw new AssertionError(kind + " notification never became " + status + ": " + order.getState().data()
        .notifications());
  }

  private List<OrderEvents.Event> allEvents() {
    return order.persistenceTestKit().persistedInStorage("Order|" + KEY).stream()
        .map(e -> (OrderEvents.Event) e).toList();
  }

  private long count(Class<? extends OrderEvents.Event> type) {
    return allEvents().stream().filter(type::isInstance).count();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  void confirmedOrderSendsOneTemplateAndRecordsItsWamid() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    WhatsAppSender.SendTemplate send = expectSend("CONFIRMED");
    assertEquals("6281234", send.to(), "digits only");
    assertEquals("order_confirmed", send.template());
    assertEquals("id", send.language());
    assertEquals(List.of(ORDER_ID), send.parameters());
    send.replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.1"));
    BuyerNotifications.Notification n = awaitNotification(OrderEvents.NotificationKind.CONFIRMED,
        BuyerNotifications.NotificationStatus.SENT);
    assertEquals("wamid.1", n.wamid());
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    assertEquals(1, count(OrderEvents.BuyerNotified.class));
    var view = order.<StatusReply<OrderView>>runCommand(OrderEntity.Get::new).reply().getValue();
    assertEquals(1, view.notifications().size());
    assertEquals("wamid.1", view.notifications().get(0).wamid());
    assertEquals(BuyerNotifications.NotificationStatus.SENT, view.notifications().get(0).status());
  }

  @Test
  void retryTicksNeverResendAMessageInFlightButARestartResendsItExactlyOnce() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED"); // no answer: as if the node crashed between the send and its record
    whatsApp.expectNoMessage(SEVERAL_ROUNDS); // retry rounds pass; the message is in flight, not re-sent
    order.restart();
    WhatsAppSender.SendTemplate again = expectSend("CONFIRMED"); // the one duplicate window
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    again.replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.2"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
  }

  @Test
  void restartAfterTheRecordSendsNothing() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED").replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.3"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
    order.restart();
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    assertEquals("wamid.3", order.getState().data().notification(OrderEvents.NotificationKind.CONFIRMED).wamid());
  }

  @Test
  void retryableFailureIsSentAgainLaterWithBackoff() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED").replyTo()
        .tell(new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "130429", "throughput", true));
    WhatsAppSender.SendTemplate again = expectSend("CONFIRMED");
    again.replyTo().tell(new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "http_503", "unavailable", true));
    expectSend("CONFIRMED").replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.4"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    assertEquals(0, count(OrderEvents.BuyerNotificationFailed.class), "retryable failures are not recorded");
  }

  @Test
  void permanentFailureIsRecordedAndNeverSentAgain() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED").replyTo()
        .tell(new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "131026", "undeliverable", false));
    BuyerNotifications.Notification n = awaitNotification(OrderEvents.NotificationKind.CONFIRMED,
        BuyerNotifications.NotificationStatus.FAILED);
    assertTrue(n.error().startsWith("131026"));
    assertNull(n.wamid());
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    order.restart();
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
  }

  @Test
  void anUnansweredSendIsSentAgainAfterTheReplyTimeout() {
    start(Duration.ofMillis(700));
    confirm(PHONE);
    expectSend("CONFIRMED"); // the sender's node died with the request
    whatsApp.expectNoMessage(Duration.ofMillis(400));
    expectSend("CONFIRMED").replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.5"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
  }

  @Test
  void shippedFollowsConfirmedWithTheTrackingNumberAndNeverHoldsUpTheSaga() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    WhatsAppSender.SendTemplate confirmed = expectSend("CONFIRMED");
    ship("TRK123"); // the CONFIRMED message is still unanswered: shipping goes on regardless
    whatsApp.expectNoMessage(Duration.ofMillis(500)); // SHIPPED waits for CONFIRMED's outcome
    confirmed.replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.6"));
    WhatsAppSender.SendTemplate shipped = expectSend("SHIPPED");
    assertEquals("order_shipped", shipped.template());
    assertEquals(List.of(ORDER_ID, "TRK123"), shipped.parameters());
    shipped.replyTo().tell(new WhatsAppSender.Sent(KEY, "SHIPPED", "wamid.7"));
    awaitNotification(OrderEvents.NotificationKind.SHIPPED, BuyerNotifications.NotificationStatus.SENT);
    order.restart();
    whatsApp.expectNoMessage(SEVERAL_ROUNDS);
    assertEquals(2, count(OrderEvents.BuyerNotified.class));
  }

  @Test
  void shippedByTheMarketplaceWithoutTrackingNotifiesWhenTheTrackingNumberArrives() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED").replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.8"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
    notify("SHIPPED", MarketStatus.SHIPPED, "m2");
    awaitSku("A").expectMessageClass(SkuEntity.Commit.class).replyTo().tell(new SkuEntity.CommitAccepted("A", KEY, 1));
    awaitPhase(Phase.SHIPPED);
    whatsApp.expectNoMessage(Duration.ofMillis(500));
    var tracked = order.<StatusReply<Done>>runCommand(r -> new OrderEntity.RecordTracking("TRK9", r));
    assertTrue(tracked.reply().isSuccess());
    assertEquals(List.of(ORDER_ID, "TRK9"), expectSend("SHIPPED").parameters());
  }

  @Test
  void aTerminalOrderStillGetsItsPendingNotification() {
    start(Duration.ofHours(1));
    confirm(PHONE);
    expectSend("CONFIRMED").replyTo()
        .tell(new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "timeout", "no answer", true));
    notify("CANCELLED", MarketStatus.CANCELLED, "m2");
    awaitSku("A").expectMessageClass(SkuEntity.Release.class).replyTo().tell(new SkuEntity.ReleaseAccepted("A", KEY, 1));
    awaitPhase(Phase.CANCELLED);
    expectSend("CONFIRMED").replyTo().tell(new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.9"));
    awaitNotification(OrderEvents.NotificationKind.CONFIRMED, BuyerNotifications.NotificationStatus.SENT);
  }

  @Test
  void noPhoneNoNotification() {
    start(Duration.ofHours(1));
    confirm(null);
    whatsApp.expectNoMessage(Duration.ofMillis(500));
    assertEquals(0, count(OrderEvents.BuyerNotificationDue.class));
  }
}

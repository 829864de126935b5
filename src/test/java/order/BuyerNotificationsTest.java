package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.WhatsAppSender;
import order.BuyerNotifications.Notification;
import order.BuyerNotifications.NotificationSettings;
import order.BuyerNotifications.NotificationStatus;
import order.BuyerNotifications.SendOutcome;
import order.OrderEvents.BuyerNotificationDue;
import order.OrderEvents.BuyerNotificationFailed;
import order.OrderEvents.BuyerNotified;
import order.OrderEvents.DetailsReceived;
import order.OrderEvents.NotificationKind;
import order.OrderEvents.Notified;
import org.junit.jupiter.api.Test;

/** When a buyer notification is due, and what each answer of the WhatsApp sender means for it. */
class BuyerNotificationsTest {
  private static final String KEY = "shopee|shop1|SN-7";
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final NotificationSettings ON =
      new NotificationSettings(true, "5550001", "order_confirmed", "order_shipped", "id", Duration.ofMinutes(2));

  private final BuyerNotifications notifications = new BuyerNotifications(KEY, ON);

  private static OrderData order(String phone) {
    OrderDetails details = new OrderDetails(Channel.SHOPEE, "shop1", "SN-7", "PAID", MarketStatus.PAID, "Ana", phone,
        "Jl. 1", "IDR", BigDecimal.TEN, List.of(), NOW, NOW);
    return OrderData.create(new Notified(KEY, Channel.SHOPEE, "shop1", "SN-7", "PAID", MarketStatus.PAID, "m1", NOW))
        .withDetails(new DetailsReceived(KEY, details, Map.of("A", 1), List.of(), null, NOW, null));
  }

  private OrderData pendingConfirmation() {
    OrderData d = order("+62 812-34");
    BuyerNotificationDue due = (BuyerNotificationDue) notifications.due(d, NotificationKind.CONFIRMED, null, NOW)
        .orElseThrow();
    return d.withNotification(Notification.due(due));
  }

  @Test
  void aNotificationIsDueOnceToABuyerWithAPhoneWhenNotificationsAreOn() {
    BuyerNotificationDue due = (BuyerNotificationDue) notifications.due(order("+62 812-34"),
        NotificationKind.CONFIRMED, null, NOW).orElseThrow();
    assertEquals("6281234", due.to(), "digits only");
    assertEquals(List.of("SN-7"), due.parameters());
    assertEquals("order_confirmed", due.template());
    assertTrue(notifications.due(pendingConfirmation(), NotificationKind.CONFIRMED, null, NOW).isEmpty(), "once");
    assertTrue(notifications.due(order(null), NotificationKind.CONFIRMED, null, NOW).isEmpty(), "no phone");
    assertTrue(new BuyerNotifications(KEY, NotificationSettings.DISABLED)
        .due(order("+62 812-34"), NotificationKind.CONFIRMED, null, NOW).isEmpty(), "off");
  }

  @Test
  void shippedIsDueOnlyWithATrackingNumber() {
    OrderData d = order("628");
    assertTrue(notifications.due(d, NotificationKind.SHIPPED, " ", NOW).isEmpty());
    BuyerNotificationDue due = (BuyerNotificationDue) notifications.due(d, NotificationKind.SHIPPED, "TRK9", NOW)
        .orElseThrow();
    assertEquals(List.of("SN-7", "TRK9"), due.parameters());
    assertEquals("order_shipped", due.template());
  }

  @Test
  void anAcceptedSendIsRecordedWithItsWamid() {
    SendOutcome outcome = notifications.onSendReply(pendingConfirmation(),
        new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.1"), NOW);
    assertEquals(SendOutcome.Action.RECORD_SENT, outcome.action());
    assertEquals("wamid.1", ((BuyerNotified) outcome.event()).wamid());
  }

  @Test
  void aRetryableFailureIsSentAgainAndAFinalOneIsRecorded() {
    SendOutcome again = notifications.onSendReply(pendingConfirmation(),
        new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "130429", "throughput", true), NOW);
    assertEquals(SendOutcome.Action.SEND_AGAIN, again.action());
    assertNull(again.event(), "a retryable failure is not recorded");

    SendOutcome refused = notifications.onSendReply(pendingConfirmation(),
        new WhatsAppSender.SendFailed(KEY, "CONFIRMED", "131026", "undeliverable", false), NOW);
    assertEquals(SendOutcome.Action.RECORD_REFUSED, refused.action());
    assertEquals("131026", ((BuyerNotificationFailed) refused.event()).code());
  }

  @Test
  void aLateAnswerChangesNothingAndASecondSendIsWarnedOf() {
    OrderData sent = pendingConfirmation();
    sent = sent.withNotification(sent.notification(NotificationKind.CONFIRMED)
        .settled(NotificationStatus.SENT, "wamid.1", null, NOW));
    SendOutcome repeated = notifications.onSendReply(sent, new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.1"), NOW);
    assertEquals(SendOutcome.Action.IGNORE, repeated.action());
    assertNull(repeated.warning());
    SendOutcome second = notifications.onSendReply(sent, new WhatsAppSender.Sent(KEY, "CONFIRMED", "wamid.2"), NOW);
    assertEquals(SendOutcome.Action.IGNORE, second.action());
    assertTrue(second.warning().contains("wamid.2"), second.warning());

    assertEquals(SendOutcome.Action.IGNORE, notifications.onSendReply(pendingConfirmation(),
        new WhatsAppSender.Sent("other|shop|1", "CONFIRMED", "wamid.3"), NOW).action(), "another order's answer");
    assertEquals(SendOutcome.Action.IGNORE, notifications.onSendReply(pendingConfirmation(),
        new WhatsAppSender.Sent(KEY, "NO_SUCH_KIND", "wamid.4"), NOW).action());
  }

  @Test
  void shopeeAndTikTokBuyersAreOffByDefaultWhatsAppAndPhoneOn() {
    com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseString(
        "orchestrator.notifications.enabled = on\n"
        + "orchestrator.marketplaces.whatsapp.numbers = [{phone-number-id = \"5550001\"}]")
        .withFallback(com.typesafe.config.ConfigFactory.parseResources("notifications.conf")).resolve();
    NotificationSettings settings = NotificationSettings.from(config);
    assertFalse(settings.notifies(Channel.SHOPEE), "Shopee ToS §8.2(c)");
    assertFalse(settings.notifies(Channel.TIKTOK), "TikTok developer terms");
    assertTrue(settings.notifies(Channel.WHATSAPP));
    assertTrue(settings.notifies(Channel.PHONE));
    assertTrue(new BuyerNotifications(KEY, settings).due(order("62812"), NotificationKind.CONFIRMED, null, NOW)
        .isEmpty(), "a Shopee order with a phone gets no message by default");
    NotificationSettings optedIn = NotificationSettings.from(com.typesafe.config.ConfigFactory.parseString(
        "orchestrator.notifications.channels.shopee = on").withFallback(config));
    assertTrue(optedIn.notifies(Channel.SHOPEE));
    assertTrue(new BuyerNotifications(KEY, optedIn).due(order("62812"), NotificationKind.CONFIRMED, null, NOW)
        .isPresent(), "and does when the seller enabled it");
  }

  @Test
  void aPhoneHeldInTheBuyerDataStoreIsReadBySenderNotCopiedIntoTheEvent() {
    OrderDetails details = new OrderDetails(Channel.SHOPEE, "shop1", "SN-7", "PAID", MarketStatus.PAID, null, null,
        null, "IDR", BigDecimal.TEN, List.of(), NOW, NOW);
    OrderData d = OrderData.create(new Notified(KEY, Channel.SHOPEE, "shop1", "SN-7", "PAID", MarketStatus.PAID,
        "m1", NOW)).withDetails(new DetailsReceived(KEY, details, Map.of("A", 1), List.of(), null, NOW,
        new OrderEvents.BuyerDataHeld(true, true, true, NOW.plusSeconds(60))));
    BuyerNotificationDue due = (BuyerNotificationDue) notifications.due(d, NotificationKind.CONFIRMED, null, NOW)
        .orElseThrow();
    assertNull(due.to(), "the event carries no phone");
    OrderData noPhone = OrderData.create(new Notified(KEY, Channel.SHOPEE, "shop1", "SN-7", "PAID",
        MarketStatus.PAID, "m1", NOW)).withDetails(new DetailsReceived(KEY, details, Map.of("A", 1), List.of(), null,
        NOW, new OrderEvents.BuyerDataHeld(true, false, true, NOW.plusSeconds(60))));
    assertTrue(notifications.due(noPhone, NotificationKind.CONFIRMED, null, NOW).isEmpty(), "no phone held");
  }
}

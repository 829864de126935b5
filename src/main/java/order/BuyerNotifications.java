package order;

import common.CborSerializable;
import order.OrderEvents.BuyerNotificationDue;
import order.OrderEvents.NotificationKind;
import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The WhatsApp messages an order sends its buyer: settings, what the order records of each, and the rules. */
public final class BuyerNotifications {
  private BuyerNotifications() {}

  /**
   * Buyer WhatsApp notifications ({@code orchestrator.notifications}, notifications.conf).
   *
   * @param phoneNumberId the business number that sends them
   * @param replyTimeout how long a send may stay unanswered before it is sent again; longer than the client's whole
   *     retry loop, so that only a lost reply (sender's node gone) leads to a second send
   */
  public record NotificationSettings(boolean enabled, String phoneNumberId, String confirmedTemplate,
                                     String shippedTemplate, String language, Duration replyTimeout) {
    public static final NotificationSettings DISABLED =
        new NotificationSettings(false, "", "order_confirmed", "order_shipped", "en", Duration.ofMinutes(2));

    public static NotificationSettings from(Config config) {
      Config c = config.getConfig("orchestrator.notifications");
      List<String> numbers = config.getConfigList("orchestrator.marketplaces.whatsapp.numbers").stream()
          .map(n -> n.getString("phone-number-id")).toList();
      String sender = c.getString("phone-number-id");
      if (sender.isBlank()) sender = numbers.isEmpty() ? "" : numbers.get(0);
      boolean enabled = c.getBoolean("enabled");
      if (enabled && !numbers.contains(sender)) {
        throw new IllegalArgumentException("orchestrator.notifications.phone-number-id '" + sender
            + "' is not a configured WhatsApp number (orchestrator.marketplaces.whatsapp.numbers)");
      }
      return new NotificationSettings(enabled, sender, c.getString("confirmed-template"),
          c.getString("shipped-template"), c.getString("language"), c.getDuration("reply-timeout"));
    }
  }

  public enum NotificationStatus { PENDING, SENT, FAILED }

  /** A buyer notification as the order knows it: what to send, and what came of it. */
  public record Notification(NotificationKind kind, String phoneNumberId, String to, String template,
                             String language, List<String> parameters, NotificationStatus status, String wamid,
                             String error, Instant dueAt, Instant at) implements CborSerializable {
    static Notification due(BuyerNotificationDue e) {
      return new Notification(e.kind(), e.phoneNumberId(), e.to(), e.template(), e.language(), e.parameters(),
          NotificationStatus.PENDING, null, null, e.at(), e.at());
    }

    Notification settled(NotificationStatus outcome, String messageId, String errorText, Instant when) {
      return new Notification(kind, phoneNumberId, to, template, language, parameters, outcome, messageId,
          errorText, dueAt, when);
    }
  }
}

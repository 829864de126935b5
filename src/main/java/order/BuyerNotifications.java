package order;

import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import common.CborSerializable;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import marketplace.WhatsAppSender;
import order.OrderEvents.BuyerNotificationDue;
import order.OrderEvents.BuyerNotificationFailed;
import order.OrderEvents.BuyerNotified;
import order.OrderEvents.Event;
import order.OrderEvents.NotificationKind;

/**
 * The WhatsApp messages an order sends its buyer: the settings, what the order records of each message, and the
 * rules of one order's notifications (when one is due, which one is sent next, what a send's reply means). Pure:
 * the entity persists and sends what these rules decide.
 */
public final class BuyerNotifications {
  private final String orderKey;
  private final NotificationSettings settings;

  BuyerNotifications(String orderKey, NotificationSettings settings) {
    this.orderKey = orderKey;
    this.settings = settings;
  }

  /**
   * Buyer WhatsApp notifications ({@code orchestrator.notifications}, notifications.conf).
   *
   * @param phoneNumberId the business number that sends them
   * @param replyTimeout how long a send may stay unanswered before it is sent again; longer than the client's whole
   *     retry loop, so that only a lost reply (sender's node gone) leads to a second send
   */
  public record NotificationSettings(boolean enabled, String phoneNumberId, String confirmedTemplate,
                                     String shippedTemplate, String language, Duration replyTimeout,
                                     Set<Channel> channels, String soldOutTemplate) {
    public NotificationSettings(boolean enabled, String phoneNumberId, String confirmedTemplate,
                                String shippedTemplate, String language, Duration replyTimeout,
                                Set<Channel> channels) {
      this(enabled, phoneNumberId, confirmedTemplate, shippedTemplate, language, replyTimeout, channels,
          "order_sold_out");
    }

    public static final NotificationSettings DISABLED =
        new NotificationSettings(false, "", "order_confirmed", "order_shipped", "en", Duration.ofMinutes(2));

    /** Every channel's buyers (the rules' unit tests); a node reads {@code channels} from its configuration. */
    public NotificationSettings(boolean enabled, String phoneNumberId, String confirmedTemplate,
                                String shippedTemplate, String language, Duration replyTimeout) {
      this(enabled, phoneNumberId, confirmedTemplate, shippedTemplate, language, replyTimeout,
          EnumSet.allOf(Channel.class));
    }

    /** Whether buyers of orders from {@code channel} get WhatsApp messages at all. */
    public boolean notifies(Channel channel) {
      return enabled && channel != null && channels.contains(channel);
    }

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
      Set<Channel> channels = EnumSet.noneOf(Channel.class);
      for (Channel channel : Channel.values()) {
        String key = "channels." + channel.key();
        if (c.hasPath(key) && c.getBoolean(key)) channels.add(channel);
      }
      return new NotificationSettings(enabled, sender, c.getString("confirmed-template"),
          c.getString("shipped-template"), c.getString("language"), c.getDuration("reply-timeout"),
          Set.copyOf(channels), c.hasPath("sold-out-template") ? c.getString("sold-out-template") : "order_sold_out");
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

  /**
   * The notification that {@code kind} is due, when notifications are on, the buyer's phone is known and the buyer
   * was not notified of {@code kind} yet. SHIPPED needs the tracking number; without it the notification becomes due
   * when the tracking number arrives.
   */
  Optional<Event> due(OrderData d, NotificationKind kind, String trackingNumber, Instant now) {
    String phone = d.contents().buyerPhone();
    String to = phone == null ? "" : phone.replaceAll("[^0-9]", "");
    // Shopee and TikTok forbid contacting their buyers off-platform: off for them unless configured (channels)
    boolean held = to.isEmpty() && d.contents().phoneHeld(); // the sender reads it from the buyer data store
    if (!settings.notifies(d.identity().channel()) || (to.isEmpty() && !held) || d.notification(kind) != null) {
      return Optional.empty();
    }
    if (kind == NotificationKind.SHIPPED && (trackingNumber == null || trackingNumber.isBlank())) {
      return Optional.empty();
    }
    String orderId = d.identity().orderId();
    List<String> parameters = kind == NotificationKind.SHIPPED
        ? List.of(orderId, trackingNumber) : List.of(orderId);
    String template = kind == NotificationKind.CONFIRMED ? settings.confirmedTemplate()
        : kind == NotificationKind.SHIPPED ? settings.shippedTemplate() : settings.soldOutTemplate();
    return Optional.of(new BuyerNotificationDue(orderKey, kind, settings.phoneNumberId(), held ? null : to, template,
        settings.language(), parameters, now));
  }

  /**
   * Whatever the phase, the oldest pending buyer notification is the one to send (one at a time, so the buyer never
   * hears "shipped" before "confirmed").
   */
  static Optional<Notification> next(OrderData d) {
    return d.notifications().stream().filter(n -> n.status() == NotificationStatus.PENDING).findFirst();
  }

  WhatsAppSender.SendTemplate send(Notification n, ActorRef<WhatsAppSender.SendReply> replyTo) {
    return new WhatsAppSender.SendTemplate(orderKey, n.kind().name(), n.to(), n.template(), n.language(),
        n.parameters(), replyTo);
  }

  /** What a reply of the WhatsApp sender means for the order's notification of its kind. */
  record SendOutcome(Action action, NotificationKind kind, Event event, String warning) {
    enum Action {
      /** A late or repeated answer (or not this order's): the outcome is recorded already. */
      IGNORE,
      /** Accepted: {@code event} records the message id. */
      RECORD_SENT,
      /** A retryable failure: sent again with back-off; nothing is recorded. */
      SEND_AGAIN,
      /** Refused for good: {@code event} records it, and it is never sent again. */
      RECORD_REFUSED
    }

    static final SendOutcome IGNORED = new SendOutcome(Action.IGNORE, null, null, null);
  }

  SendOutcome onSendReply(OrderData d, WhatsAppSender.SendReply reply, Instant now) {
    if (!orderKey.equals(reply.orderKey())) return SendOutcome.IGNORED;
    NotificationKind kind;
    try {
      kind = NotificationKind.valueOf(reply.kind());
    } catch (IllegalArgumentException e) {
      return SendOutcome.IGNORED;
    }
    Notification n = d.notification(kind);
    if (n == null || n.status() != NotificationStatus.PENDING) {
      String warning = null;
      if (reply instanceof WhatsAppSender.Sent sent && n != null && !sent.wamid().equals(n.wamid())) {
        warning = "Order " + orderKey + ": a second " + kind + " notification was sent (" + sent.wamid() + "), "
            + n.wamid() + " was recorded";
      }
      return new SendOutcome(SendOutcome.Action.IGNORE, kind, null, warning);
    }
    if (reply instanceof WhatsAppSender.Sent sent) {
      return new SendOutcome(SendOutcome.Action.RECORD_SENT, kind, new BuyerNotified(orderKey, kind, sent.wamid(), now),
          null);
    }
    WhatsAppSender.SendFailed failed = (WhatsAppSender.SendFailed) reply;
    if (failed.retryable()) {
      return new SendOutcome(SendOutcome.Action.SEND_AGAIN, kind, null,
          "Order " + orderKey + ": " + kind + " notification failed, sent again later: " + failed.code());
    }
    return new SendOutcome(SendOutcome.Action.RECORD_REFUSED, kind,
        new BuyerNotificationFailed(orderKey, kind, failed.code(), failed.reason(), now),
        "Order " + orderKey + ": " + kind + " notification refused for good: " + failed.code() + " "
            + failed.reason());
  }
}

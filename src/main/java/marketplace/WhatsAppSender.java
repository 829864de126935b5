package marketplace;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import common.CborSerializable;
import common.Futures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender of one WhatsApp business number: the single place in the cluster that sends template messages from it
 * (so its token bucket and breaker in the WhatsApp client, behind {@link TemplateMessages}, hold cluster-wide). Sharded by phone-number-id. Not
 * persistent: the order entity owns the notification and asks again until it recorded an outcome.
 *
 * <p>WhatsApp has no idempotency key, so this actor avoids second sends where it can: a request for an order and
 * kind already in flight waits for that call, and before sending it looks the order and kind up in
 * {@code outbound_messages} (written right after every accepted send) and answers with the recorded wamid. What
 * remains is a crash between WhatsApp accepting the message and that row being written.
 */
public final class WhatsAppSender extends AbstractBehavior<WhatsAppSender.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "WhatsAppSender");
  /** For callbacks off the actor's thread (the actor context is not thread-safe). */
  private static final Logger log = LoggerFactory.getLogger(WhatsAppSender.class);

  public static void init(ActorSystem<?> system, TemplateMessages client, OutboundMessages outbox,
                          BuyerPhones phones) {
    Set<String> retryCodes = Set.copyOf(
        system.settings().config().getStringList("orchestrator.notifications.retry-codes"));
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
        ctx -> create(ctx.getEntityId(), client, outbox, retryCodes, phones)));
  }

  public static Behavior<Command> create(String phoneNumberId, TemplateMessages client, OutboundMessages outbox,
                                         Set<String> retryCodes) {
    return create(phoneNumberId, client, outbox, retryCodes, BuyerPhones.NONE);
  }

  public static Behavior<Command> create(String phoneNumberId, TemplateMessages client, OutboundMessages outbox,
                                         Set<String> retryCodes, BuyerPhones phones) {
    return Behaviors.setup(ctx -> new WhatsAppSender(ctx, phoneNumberId, client, outbox, retryCodes, phones));
  }

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  /**
   * Send a template message for an order event.
   *
   * @param kind the order event (CONFIRMED, SHIPPED); one message per order and kind
   * @param to the buyer's digits (never logged); null: read from {@link BuyerPhones} just before sending (the
   *     order keeps no phone in its journal), and when it is erased nothing is sent ({@code no_phone}, final)
   */
  public record SendTemplate(String orderKey, String kind, String to, String template, String language,
                             List<String> parameters, ActorRef<SendReply> replyTo) implements Command {}

  public sealed interface SendReply extends CborSerializable permits Sent, SendFailed {
    String orderKey();

    String kind();
  }

  public record Sent(String orderKey, String kind, String wamid) implements SendReply {}

  /**
   * @param code WhatsApp's error code (e.g. 131026) or the client's (http_503, timeout, circuit_open), or
   *     {@code database} when the look-up before sending failed (nothing was sent)
   * @param retryable true when the same message may go through later (rate limits, 5xx, timeouts, open breaker)
   */
  public record SendFailed(String orderKey, String kind, String code, String reason, boolean retryable)
      implements SendReply {}

  /** Internal: the look-up before sending finished. */
  private record LookedUp(SendTemplate request, String wamid, Throwable error) implements Command {}

  /** Internal: the buyer's phone was looked up (empty: erased or never held). */
  private record PhoneFound(SendTemplate request, java.util.Optional<String> phone, Throwable error)
      implements Command {}

  /** Internal: the send (and the row after it) finished. */
  private record Attempted(SendTemplate request, String wamid, Throwable error) implements Command {}

  // ---------------------------------------------------------------- behaviour

  private final String phoneNumberId;
  private final TemplateMessages client;
  private final OutboundMessages outbox;
  private final Set<String> retryCodes;
  private final BuyerPhones phones;
  /** orderKey#kind → everyone waiting for that message. */
  private final Map<String, List<ActorRef<SendReply>>> inFlight = new HashMap<>();

  private WhatsAppSender(ActorContext<Command> context, String phoneNumberId, TemplateMessages client,
                         OutboundMessages outbox, Set<String> retryCodes, BuyerPhones phones) {
    super(context);
    this.phones = phones;
    this.phoneNumberId = phoneNumberId;
    this.client = client;
    this.outbox = outbox;
    this.retryCodes = retryCodes;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SendTemplate.class, this::onSend)
        .onMessage(LookedUp.class, this::onLookedUp)
        .onMessage(PhoneFound.class, this::onPhoneFound)
        .onMessage(Attempted.class, this::onAttempted)
        .build();
  }

  private static String key(SendTemplate m) {
    return m.orderKey() + "#" + m.kind();
  }

  private Behavior<Command> onSend(SendTemplate m) {
    List<ActorRef<SendReply>> waiting = inFlight.get(key(m));
    if (waiting != null) {
      if (!waiting.contains(m.replyTo())) waiting.add(m.replyTo()); // answered by the call in flight
      return this;
    }
    inFlight.put(key(m), new ArrayList<>(List.of(m.replyTo())));
    getContext().pipeToSelf(outbox.find(m.orderKey(), m.kind()), (wamid, error) -> new LookedUp(m, wamid, error));
    return this;
  }

  private Behavior<Command> onLookedUp(LookedUp looked) {
    SendTemplate m = looked.request();
    if (looked.error() != null) {
      // without the look-up a send could be a second one: nothing is sent, the order asks again later
      getContext().getLog().warn("Look-up before sending the {} message of {} failed: {}", m.kind(), m.orderKey(),
          Futures.unwrap(looked.error()).toString());
      return answer(m, new SendFailed(m.orderKey(), m.kind(), "database", Futures.unwrap(looked.error()).getMessage(), true));
    }
    if (looked.wamid() != null) return answer(m, new Sent(m.orderKey(), m.kind(), looked.wamid()));
    if (m.to() == null || m.to().isBlank()) {
      getContext().pipeToSelf(phones.phoneOf(m.orderKey()), (phone, error) -> new PhoneFound(m, phone, error));
      return this;
    }
    return send(m, m.to());
  }

  private Behavior<Command> onPhoneFound(PhoneFound found) {
    SendTemplate m = found.request();
    if (found.error() != null) {
      getContext().getLog().warn("Buyer phone of {} could not be read, {} message not sent yet: {}", m.orderKey(),
          m.kind(), Futures.unwrap(found.error()).toString());
      return answer(m, new SendFailed(m.orderKey(), m.kind(), "database", "buyer phone not readable", true));
    }
    if (found.phone() == null || found.phone().isEmpty()) {
      getContext().getLog().info("No buyer phone for {} (erased after its retention or never held): {} message "
          + "not sent", m.orderKey(), m.kind());
      return answer(m, new SendFailed(m.orderKey(), m.kind(), "no_phone", "buyer phone erased or unknown", false));
    }
    return send(m, found.phone().get());
  }

  private Behavior<Command> send(SendTemplate m, String to) {
    CompletionStage<String> sent = client.sendTemplateMessage(phoneNumberId, to, m.template(), m.language(),
            m.parameters())
        .thenCompose(messageId -> outbox.recordSent(messageId, m.orderKey(), m.kind(), phoneNumberId, Instant.now())
            .handle((ok, error) -> {
              if (error != null) {
                log.error("Message {} of {} was sent but not recorded in "
                    + "outbound_messages (its delivery statuses will not find the order): {}", messageId,
                    m.orderKey(), Futures.unwrap(error).toString());
              }
              return messageId;
            }));
    getContext().pipeToSelf(sent, (wamid, error) -> new Attempted(m, wamid, error));
    return this;
  }

  private Behavior<Command> onAttempted(Attempted attempted) {
    SendTemplate m = attempted.request();
    if (attempted.error() == null) return answer(m, new Sent(m.orderKey(), m.kind(), attempted.wamid()));
    Throwable e = Futures.unwrap(attempted.error());
    SendFailed failed;
    if (e instanceof MarketCallException call) {
      failed = new SendFailed(m.orderKey(), m.kind(), call.code(), call.getMessage(),
          call.retryable() || retryCodes.contains(call.code()));
    } else if (e instanceof IllegalArgumentException) {
      failed = new SendFailed(m.orderKey(), m.kind(), "not_configured", e.getMessage(), false);
    } else {
      failed = new SendFailed(m.orderKey(), m.kind(), "error", e.toString(), true);
    }
    return answer(m, failed);
  }

  private Behavior<Command> answer(SendTemplate m, SendReply reply) {
    List<ActorRef<SendReply>> waiting = inFlight.remove(key(m));
    if (waiting != null) waiting.forEach(r -> r.tell(reply));
    return this;
  }

}

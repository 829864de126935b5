package marketplace.whatsapp;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import marketplace.CallOutcomes;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.ShopGuard.Attempt;
import marketplace.ShopGuard;
import marketplace.TemplateMessages;
import marketplace.TokenBucket;

/**
 * WhatsApp Cloud API sender. Branches on {@code error.code}, not the HTTP status, as {@link WhatsAppErrors} says:
 * 130429/131016/131000 and 5xx are retried with back-off; 131056 (too many messages to one recipient) backs off that
 * recipient only, doubling each time; 131057 fails as retryable (sent again later); 131026 (undeliverable), 131047
 * (outside the 24-hour window), template and token codes fail at once. Sends from one number are paced by a token
 * bucket at its messages-per-second.
 */
public final class WhatsAppClient implements TemplateMessages {
  public record Sent(String messageId, String to) {}

  private static final class RecipientBackoff {
    long blockedUntilNanos;
    int strikes;
  }

  private record NumberState(MarketplaceConfig.WhatsAppNumber number, ShopGuard guard,
      Map<String, RecipientBackoff> recipients) {}

  private final HttpCaller http;
  private final CallOutcomes outcomes;
  private final Map<String, NumberState> numbers = new ConcurrentHashMap<>();

  public WhatsAppClient(ActorSystem<?> system, MarketplaceConfig config) {
    this(system, config, new CallOutcomes());
  }

  public WhatsAppClient(ActorSystem<?> system, MarketplaceConfig config, CallOutcomes outcomes) {
    this.outcomes = outcomes;
    this.http = new HttpCaller(system, config.client());
    for (MarketplaceConfig.WhatsAppNumber n : config.whatsapp()) {
      int burst = (int) Math.max(1, Math.ceil(n.messagesPerSecond() / 10));
      numbers.put(n.phoneNumberId(), new NumberState(n, new ShopGuard(system, Channel.WHATSAPP, n.phoneNumberId(),
          config.client(), ShopGuard.shared(new TokenBucket(system, n.messagesPerSecond(), burst)), outcomes), new ConcurrentHashMap<>()));
    }
  }

  public CallOutcomes outcomes() {
    return outcomes;
  }

  public String breakerState(String phoneNumberId) {
    return state(phoneNumberId).guard().breakerState();
  }

  /** How long {@code to} is still backed off after a 131056 (zero when free). */
  public Duration recipientBackoff(String phoneNumberId, String to) {
    RecipientBackoff b = state(phoneNumberId).recipients().get(to);
    if (b == null) return Duration.ZERO;
    synchronized (b) {
      long left = b.blockedUntilNanos - System.nanoTime();
      return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }
  }

  /** A template message (required outside the 24-hour window), body parameters as plain text. */
  public CompletionStage<Sent> sendTemplate(String phoneNumberId, String to, String template, String language,
      List<String> bodyParameters) {
    ObjectNode body = base(to).put("type", "template");
    ObjectNode t = body.putObject("template").put("name", template);
    t.putObject("language").put("code", language);
    if (!bodyParameters.isEmpty()) {
      var params = t.putArray("components").addObject().put("type", "body").putArray("parameters");
      for (String p : bodyParameters) params.addObject().put("type", "text").put("text", p);
    }
    return send(phoneNumberId, to, "send_template", body);
  }

  @Override
  public CompletionStage<String> sendTemplateMessage(String from, String to, String template, String language,
      List<String> bodyParameters) {
    return sendTemplate(from, to, template, language, bodyParameters).thenApply(Sent::messageId);
  }

  /** A plain text message (only inside the 24-hour window since the buyer's last message). */
  public CompletionStage<Sent> sendText(String phoneNumberId, String to, String text) {
    ObjectNode body = base(to).put("type", "text");
    body.putObject("text").put("body", text);
    return send(phoneNumberId, to, "send_text", body);
  }

  private static ObjectNode base(String to) {
    return JsonTrees.object().put("messaging_product", "whatsapp").put("to", to.replaceAll("[^0-9]", ""));
  }

  private NumberState state(String phoneNumberId) {
    NumberState s = numbers.get(phoneNumberId);
    if (s == null) throw new IllegalArgumentException("no WhatsApp number '" + phoneNumberId + "' in orchestrator.marketplaces");
    return s;
  }

  private CompletionStage<Sent> send(String phoneNumberId, String to, String kind, ObjectNode body) {
    NumberState state;
    try {
      state = state(phoneNumberId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] raw = body.toString().getBytes(StandardCharsets.UTF_8);
    MarketplaceConfig.WhatsAppNumber n = state.number();
    String url = n.baseUrl() + "/" + n.apiVersion() + "/" + n.phoneNumberId() + "/messages";
    String digits = body.get("to").asText();
    RecipientBackoff backoff = state.recipients().computeIfAbsent(digits, k -> new RecipientBackoff());
    return state.guard().call(kind, () -> recipientWait(backoff), () -> http.send(
            HttpRequest.POST(url).withEntity(ContentTypes.APPLICATION_JSON, raw)
                .addHeader(RawHeader.create("Authorization", "Bearer " + n.accessToken())))
        .thenApply(reply -> classify(reply, digits, backoff, n)));
  }

  private static Duration recipientWait(RecipientBackoff b) {
    synchronized (b) {
      long left = b.blockedUntilNanos - System.nanoTime();
      return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }
  }

  private static Attempt<Sent> classify(HttpCaller.Reply reply, String to, RecipientBackoff backoff,
      MarketplaceConfig.WhatsAppNumber n) {
    JsonNode root = null;
    try {
      root = JsonTrees.parse(reply.body(), "WhatsApp response");
    } catch (MarketParseException e) {
      // not JSON: fall back on the HTTP status below
    }
    JsonNode error = root == null ? null : root.get("error");
    if (error != null && error.isObject()) {
      int code = error.path("code").asInt();
      String message = JsonTrees.optText(error, "message");
      String c = Integer.toString(code);
      switch (WhatsAppErrors.classify(code, reply.status())) {
        case BACK_OFF_RECIPIENT -> {
          synchronized (backoff) {
            backoff.strikes++;
            long min = n.recipientMinBackoff().toMillis();
            long millis = Math.min(n.recipientMaxBackoff().toMillis(), min << Math.min(20, backoff.strikes - 1));
            backoff.blockedUntilNanos = System.nanoTime() + Duration.ofMillis(millis).toNanos();
          }
          return new Attempt.Retry<>(c, message, false, null);
        }
        case RETRY -> {
          // a throughput limit is not the service failing: only a 5xx counts toward the breaker
          return new Attempt.Retry<>(c, message, reply.status() >= 500, null);
        }
        case RETRY_LATER -> {
          return new Attempt.Fail<>(c, message, FailureClass.RETRY);
        }
        default -> {
          return new Attempt.Fail<>(c, message, WhatsAppErrors.classify(code, reply.status()).failureClass());
        }
      }
    }
    if (WhatsAppErrors.httpStatus(reply.status()) == WhatsAppErrors.Handling.RETRY) {
      return reply.status() == 429 ? new Attempt.Retry<>("http_429", "Too many requests", false, null)
          : new Attempt.Retry<>("http_" + reply.status(), null, true, null);
    }
    if (root == null) return new Attempt.Fail<>(reply.status() >= 400 ? "http_" + reply.status() : "parse",
        HttpCaller.abbreviate(reply.text()));
    if (reply.status() >= 400) return new Attempt.Fail<>("http_" + reply.status(), null);
    JsonNode messages = root.path("messages");
    if (!messages.isArray() || messages.isEmpty() || JsonTrees.optText(messages.get(0), "id") == null) {
      return new Attempt.Fail<>("parse", "WhatsApp response: missing messages[0].id");
    }
    synchronized (backoff) {
      backoff.strikes = 0;
    }
    return new Attempt.Ok<>(new Sent(messages.get(0).get("id").asText(), to), Integer.toString(reply.status()));
  }
}

package http.webhooks;

import akka.Done;
import akka.actor.typed.ActorSystem;
import common.Channel;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import common.Futures;
import http.Json;
import http.Replies;
import infra.LogContext;
import intake.OrderIntake;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.WebhookEvent;
import marketplace.channels.WebhookParser;
import marketplace.signing.Signatures;
import order.OrderEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marketplace webhooks: {@code POST /webhooks/shopee}, {@code POST /webhooks/tiktok}, {@code GET|POST /webhooks/whatsapp}.
 *
 * <p>Checks, in order: body size (413), signature header present (401), JSON readable (400), shop configured
 * (404), signature over the raw bytes with that shop's secret (401), event fields (400). Then the order entity
 * records the notification and only then the answer is 200 with an empty body (WhatsApp: see {@link #whatsApp}); when it cannot in time (journal
 * down, entity overloaded) the answer is 503 and the platform retries. Events this service does not act on get 200.
 */
public final class WebhookRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);

  private final MarketplaceConfig marketplaces;
  private final OrderIntake intake;
  private final Json json;
  private final Replies replies;
  private final Materializer materializer;
  private final long maxBody;

  public WebhookRoutes(ActorSystem<?> system, MarketplaceConfig marketplaces, OrderIntake intake, Json json) {
    this.marketplaces = marketplaces;
    this.intake = intake;
    this.json = json;
    this.replies = new Replies(json);
    this.materializer = Materializer.matFromSystem(system);
    this.maxBody = system.settings().config().getBytes("orchestrator.webhooks.max-body");
    this.directory = marketplace.connection.ShopConnections.get(system).directory();
  }

  private final marketplace.ShopDirectory directory;

  public Route route() {
    return pathPrefix("webhooks", () -> concat(
        path("shopee", () -> post(() -> rawBody(this::shopee))),
        path("tiktok", () -> post(() -> rawBody(this::tiktok))),
        path("whatsapp", () -> concat(
            get(() -> parameterMap(this::whatsAppVerification)),
            post(() -> rawBody(this::whatsApp))))));
  }

  // ---------------------------------------------------------------- Shopee

  private Route shopee(HttpRequest request, byte[] raw) {
    String signature = header(request, "Authorization");
    if (signature == null) return replies.error(StatusCodes.UNAUTHORIZED, "Authorization header (push signature) missing");
    JsonNode root = readJson(raw);
    if (root == null) return replies.error(StatusCodes.BAD_REQUEST, "body is not a JSON object");
    String shopId = root.hasNonNull("shop_id") ? root.get("shop_id").asText() : null;
    List<MarketplaceConfig.ShopeeShop> candidates;
    if (shopId != null) {
      var shop = marketplaces.shopeeShop(shopId);
      if (shop.isEmpty() && directory.shop(Channel.SHOPEE, shopId).isPresent()) {
        shop = java.util.Optional.of(marketplaces.shopeeApp().shop(shopId)); // connected by onboarding
      }
      if (shop.isEmpty()) return replies.error(StatusCodes.NOT_FOUND, "unknown Shopee shop " + shopId);
      candidates = List.of(shop.get());
    } else {
      // console verification and partner-level pushes (authorisation codes 1, 2, 12) name no shop
      candidates = new java.util.ArrayList<>(marketplaces.shopee());
      candidates.add(marketplaces.shopeeApp().shop("app"));
    }
    boolean valid = candidates.stream().anyMatch(s ->
        Signatures.verifyShopeePush(s.effectivePushKey(), s.callbackUrl(), raw, signature));
    if (!valid) return replies.error(StatusCodes.UNAUTHORIZED, "push signature does not match");
    WebhookEvent event;
    try {
      event = WebhookParser.shopee(raw);
    } catch (MarketParseException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return acknowledgeWhen(record(event), logContext(event));
  }

  // ---------------------------------------------------------------- TikTok Shop

  private Route tiktok(HttpRequest request, byte[] raw) {
    String signature = header(request, "Authorization");
    if (signature == null) return replies.error(StatusCodes.UNAUTHORIZED, "Authorization header (signature) missing");
    JsonNode root = readJson(raw);
    if (root == null) return replies.error(StatusCodes.BAD_REQUEST, "body is not a JSON object");
    if (!root.hasNonNull("shop_id")) return replies.error(StatusCodes.BAD_REQUEST, "shop_id is missing");
    String shopId = root.get("shop_id").asText();
    var shop = marketplaces.tiktokShop(shopId);
    if (shop.isEmpty() && directory.shop(Channel.TIKTOK, shopId).isPresent()) {
      shop = java.util.Optional.of(marketplaces.tiktokApp().shop(shopId, "", "")); // connected by onboarding
    }
    if (shop.isEmpty()) return replies.error(StatusCodes.NOT_FOUND, "unknown TikTok shop " + shopId);
    if (!Signatures.verifyTikTokWebhook(shop.get().appSecret(), shop.get().appKey(), raw, signature)) {
      return replies.error(StatusCodes.UNAUTHORIZED, "signature does not match");
    }
    WebhookEvent event;
    try {
      event = WebhookParser.tiktok(raw);
    } catch (MarketParseException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return acknowledgeWhen(record(event), logContext(event));
  }

  // ---------------------------------------------------------------- WhatsApp Cloud API

  /** Subscription handshake: echo hub.challenge as plain text when hub.verify_token is one of ours. */
  private Route whatsAppVerification(Map<String, String> params) {
    String token = params.get("hub.verify_token");
    boolean known = token != null && marketplaces.whatsapp().stream()
        .anyMatch(n -> Signatures.matches(n.verifyToken(), token));
    if (!"subscribe".equals(params.get("hub.mode")) || !known || params.get("hub.challenge") == null) {
      return replies.error(StatusCodes.FORBIDDEN, "verification refused");
    }
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, params.get("hub.challenge"))));
  }

  /**
   * One delivery may carry several entries and changes, for several of a WABA's numbers (or several WABAs of the
   * app), and fields other than {@code messages} (template status and the like, their value without metadata). The
   * app secret signs the whole body, so the signature is checked against every configured number's secret; each
   * {@code messages} change is handled for its own {@code metadata.phone_number_id} when that number is ours and its
   * secret signed the body, everything else is acknowledged and ignored. Only a bad signature is refused (401): any
   * other answer than 2xx makes Meta re-send the delivery for days.
   */
  private Route whatsApp(HttpRequest request, byte[] raw) {
    String signature = header(request, "X-Hub-Signature-256");
    if (signature == null) return replies.error(StatusCodes.UNAUTHORIZED, "X-Hub-Signature-256 header missing");
    Set<String> signedFor = new HashSet<>();
    for (MarketplaceConfig.WhatsAppNumber n : marketplaces.whatsapp()) {
      if (Signatures.verifyWhatsApp(n.appSecret(), raw, signature)) signedFor.add(n.phoneNumberId());
    }
    if (signedFor.isEmpty()) return replies.error(StatusCodes.UNAUTHORIZED, "signature does not match");
    List<WebhookEvent> events;
    try {
      events = WebhookParser.whatsApp(raw);
    } catch (MarketParseException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    List<CompletableFuture<Done>> recorded = new ArrayList<>();
    int ignored = 0;
    for (WebhookEvent e : events) {
      String number = whatsAppNumberOf(e);
      if (number != null && !signedFor.contains(number)) {
        ignored++; // a number that is not ours (or not signed by its app): nothing to do for it here
        continue;
      }
      recorded.add(record(e).toCompletableFuture());
    }
    if (ignored > 0) log.info("WhatsApp delivery: {} event(s) for numbers not configured here ignored", ignored);
    return acknowledgeWhen(CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new))
        .thenApply(v -> Done.getInstance()), Map.of());
  }

  /** The business number a WhatsApp event is for; null for events of other fields (they name none). */
  private static String whatsAppNumberOf(WebhookEvent e) {
    if (e instanceof WebhookEvent.WhatsAppOrder o) return o.phoneNumberId();
    if (e instanceof WebhookEvent.WhatsAppText t) return t.phoneNumberId();
    if (e instanceof WebhookEvent.WhatsAppDelivery d) return d.phoneNumberId();
    return null;
  }

  // ---------------------------------------------------------------- recording

  private CompletionStage<Done> record(WebhookEvent event) {
    return intake.record(event);
  }

  /** The order (or shop) a Shopee or TikTok delivery is about, for the MDC of the lines logged about it. */
  private static Map<String, String> logContext(WebhookEvent event) {
    if (event instanceof WebhookEvent.ShopeeOrderStatus e) return aboutOrder(Channel.SHOPEE, e.shopId(), e.orderSn());
    if (event instanceof WebhookEvent.ShopeeTracking e) return aboutOrder(Channel.SHOPEE, e.shopId(), e.orderSn());
    if (event instanceof WebhookEvent.TikTokOrderStatus e) return aboutOrder(Channel.TIKTOK, e.shopId(), e.orderId());
    if (event instanceof WebhookEvent.TikTokCancellation e) return aboutOrder(Channel.TIKTOK, e.shopId(), e.orderId());
    if (event instanceof WebhookEvent.PromotionStock e && e.shopId() != null) {
      return Map.of(LogContext.CHANNEL, e.channel().key(), LogContext.SHOP, e.shopId());
    }
    return Map.of();
  }

  private static Map<String, String> aboutOrder(Channel channel, String shopId, String orderId) {
    return shopId == null || orderId == null ? Map.of()
        : LogContext.order(OrderEntity.orderKey(channel, shopId, orderId));
  }

  /**
   * 200 with an empty body once recorded; 400 for an unusable id; 503 otherwise, so the platform retries.
   *
   * @param mdc what the delivery is about, in the MDC of the line logged when it is not recorded
   */
  private Route acknowledgeWhen(CompletionStage<Done> recorded, Map<String, String> mdc) {
    return onComplete(recorded, result -> {
      if (result.isSuccess()) return complete(HttpResponse.create().withStatus(StatusCodes.OK));
      Throwable error = Futures.unwrap(result.failed().get());
      if (error instanceof IllegalArgumentException) return replies.error(StatusCodes.BAD_REQUEST, error.getMessage());
      LogContext.with(mdc, () ->
          log.warn("Webhook not recorded, answering 503 so the platform retries: {}", error.toString()));
      return replies.error(StatusCodes.SERVICE_UNAVAILABLE, "not recorded; retry later");
    });
  }

  // ---------------------------------------------------------------- helpers

  /** The raw body bytes, at most {@code max-body} (else 413): signatures are checked on exactly these bytes. */
  private Route rawBody(java.util.function.BiFunction<HttpRequest, byte[], Route> inner) {
    return extractRequest(request -> {
      OptionalLong length = request.entity().getContentLengthOption();
      if (length.isPresent() && length.getAsLong() > maxBody) return tooLarge();
      return onComplete(request.entity().toStrict(5000, maxBody, materializer), strict -> {
        if (strict.isFailure()) {
          Throwable error = strict.failed().get();
          if (isSizeError(error)) return tooLarge();
          return replies.error(StatusCodes.BAD_REQUEST, "body could not be read");
        }
        return inner.apply(request, strict.get().getData().toArray());
      });
    });
  }

  private static boolean isSizeError(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof EntityStreamSizeException) return true;
    }
    return false;
  }

  private Route tooLarge() {
    return replies.error(StatusCodes.PAYLOAD_TOO_LARGE, "body larger than " + maxBody + " bytes");
  }

  private static String header(HttpRequest request, String name) {
    return request.getHeader(name).map(HttpHeader::value).filter(v -> !v.isBlank()).orElse(null);
  }

  private JsonNode readJson(byte[] raw) {
    try {
      JsonNode node = json.readTree(raw); // refuses deep nesting before building the tree
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }
}

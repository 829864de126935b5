package tools.sandbox;

import static tools.sandbox.SandboxJson.error;
import static tools.sandbox.SandboxJson.json;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import common.Channel;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local stand-ins for Shopee, TikTok Shop and the WhatsApp Cloud API on one HTTP server ({@code /shopee},
 * {@code /tiktok}, {@code /whatsapp}, and {@code /control} for tests and demos). It checks signatures exactly as the
 * platforms do and answers with their error shapes, serves the orders it was given, keeps the stock pushed to it,
 * sells it to buyers ({@link Storefront}), records every call, injects faults, and sends correctly signed webhooks.
 * State is in memory.
 *
 * <p>This class binds the server, routes each call through the injected faults to its platform's stand-in
 * ({@link ShopeeSandbox}, {@link TikTokSandbox}, {@link WhatsAppSandbox}), records it, and is the one API that tests,
 * the demo and the benchmark drive the sandbox through.
 */
public final class Sandbox implements AutoCloseable {
  /** One request the sandbox received, with the status it answered and why (ok or the error code). */
  public record Call(Channel channel, String method, String path, Map<String, String> query, String body,
      int status, String outcome, Instant at) {}

  public enum FaultKind { HTTP_STATUS, PLATFORM_ERROR, DELAY, TIMEOUT }

  /** An injected fault for calls of one channel whose path contains {@code pathContains} (null: any path). */
  public record Fault(Channel channel, String pathContains, FaultKind kind, int httpStatus, String code,
      Duration delay, AtomicInteger remaining) {}

  public record ShopeeItem(long itemId, long modelId, String itemSku, String modelSku, int quantity, BigDecimal price) {}

  public record TikTokItem(String productId, String skuId, String sellerSku, int quantity, BigDecimal price) {}

  public record WhatsAppItem(String retailerId, int quantity, BigDecimal price, String currency) {}

  /** Redelivery like the platforms: resend until a 2xx, at most {@code maxAttempts} times. */
  public record Redelivery(int maxAttempts, Duration interval) {
    public static final Redelivery ONCE = new Redelivery(1, Duration.ZERO);
  }

  /** What a webhook delivery got: the last HTTP status, how many attempts, and the platform's id of the event. */
  public record Delivery(int status, int attempts, String eventId) {
    /** The platform lost this push (no attempt reached the receiver); Shopee serves it by get_lost_push_message. */
    public boolean lost() {
      return attempts == 0;
    }
  }

  /** One change of a WhatsApp delivery: the WABA id of its entry, its {@code field} and {@code value}. */
  public record WhatsAppChange(String wabaId, String field, com.fasterxml.jackson.databind.node.ObjectNode value) {
    /** A {@code messages} change with one catalog order to {@code phoneNumberId} (its wamid is {@code wamid}). */
    public static WhatsAppChange order(String wabaId, String phoneNumberId, String wamid, String from,
        String buyerName, List<WhatsAppItem> items) {
      return new WhatsAppChange(wabaId, "messages",
          WhatsAppSandbox.orderValue(phoneNumberId, wamid, from, buyerName, items));
    }

    /** A {@code message_template_status_update} change: its value has no metadata. */
    public static WhatsAppChange templateStatus(String wabaId, String templateName, String event) {
      return new WhatsAppChange(wabaId, "message_template_status_update",
          WhatsAppSandbox.templateStatusValue(templateName, event));
    }
  }

  private final ServerBinding binding;
  private final Materializer materializer;
  private final Delays delays;

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final FaultInjector faults = new FaultInjector();
  private final ShopeeSandbox shopee;
  private final TikTokSandbox tiktok;
  private final WhatsAppSandbox whatsApp;
  private final SandboxControl control;
  private final Storefront storefront;

  private Sandbox(ActorSystem<?> system, SandboxShops config, String host, int port) throws Exception {
    this.materializer = Materializer.matFromSystem(system);
    this.delays = new Delays(system);
    WebhookSender webhooks = new WebhookSender(system, delays);
    ShownListeners shown = new ShownListeners();
    this.shopee = new ShopeeSandbox(config, webhooks, shown);
    this.tiktok = new TikTokSandbox(config, webhooks, shown);
    this.whatsApp = new WhatsAppSandbox(config, webhooks);
    this.control = new SandboxControl(this, faults, shopee.catalog, tiktok.stock);
    this.storefront = new Storefront(config, shopee, tiktok, delays, shown);
    this.binding = Http.get(system).newServerAt(host, port).bind(this::handle)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Binds at {@code orchestrator.sandbox.interface/port} (port 0: a free one), serving the shops of {@code config}. */
  public static Sandbox start(ActorSystem<?> system, Config config) {
    Sandbox sandbox = start(system, SandboxShops.fromConfig(config),
        config.getString("orchestrator.sandbox.interface"), config.getInt("orchestrator.sandbox.port"));
    if (config.hasPath("orchestrator.sandbox.webhook-delay")) {
      sandbox.storefront.configureWebhookDelay(config.getDuration("orchestrator.sandbox.webhook-delay"),
          config.getDouble("orchestrator.sandbox.webhook-jitter"));
    }
    return sandbox;
  }

  static Sandbox start(ActorSystem<?> system, SandboxShops config, String host, int port) {
    try {
      return new Sandbox(system, config, host, port);
    } catch (Exception e) {
      throw new IllegalStateException("Sandbox failed to bind " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public String baseUrl() {
    return "http://" + binding.localAddress().getHostString() + ":" + port();
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
  }

  // --------------------------------------------------------------------------------------------- Java control API

  public void reset() {
    calls.clear();
    faults.reset();
    shopee.reset();
    tiktok.reset();
    whatsApp.reset();
    storefront.reset();
  }

  /** The buyers' side: checkouts that deduct the marketplaces' stock, flash-sale campaigns, shown quantities. */
  public Storefront storefront() {
    return storefront;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public List<Call> calls(Channel channel, String pathContains) {
    return calls.stream().filter(c -> c.channel() == channel && c.path().contains(pathContains)).toList();
  }

  public void inject(Channel channel, String pathContains, FaultKind kind, int httpStatus, String code,
      Duration delay, int times) {
    faults.add(new Fault(channel, pathContains, kind, httpStatus, code, delay, new AtomicInteger(times)));
  }

  /** Ends every injected fault (an outage is over). */
  public void clearFaults() {
    faults.clear();
  }

  public void injectHttpStatus(Channel channel, String pathContains, int status, int times) {
    inject(channel, pathContains, FaultKind.HTTP_STATUS, status, null, null, times);
  }

  /** Shopee: an {@code error} code ("error_server" answers "Too many requests"); TikTok/WhatsApp: a numeric code. */
  public void injectPlatformError(Channel channel, String pathContains, String code, int times) {
    inject(channel, pathContains, FaultKind.PLATFORM_ERROR, 0, code, null, times);
  }

  /**
   * From now on a random {@code fraction} of matching calls is answered with platform error {@code code} in the
   * channel's envelope (Shopee: HTTP 200 with {@code error}, e.g. error_rate_limit); {@link #clearFaults()} ends it.
   */
  public void injectPlatformErrorRate(Channel channel, String pathContains, String code, double fraction) {
    faults.addRate(new Fault(channel, pathContains, FaultKind.PLATFORM_ERROR, 0, code, null, new AtomicInteger(0)),
        fraction);
  }

  public void injectDelay(Channel channel, String pathContains, Duration delay, int times) {
    inject(channel, pathContains, FaultKind.DELAY, 0, null, delay, times);
  }

  /** The next {@code times} matching calls get no answer for 30 s (the client's timeout fires first). */
  public void injectTimeout(Channel channel, String pathContains, int times) {
    inject(channel, pathContains, FaultKind.TIMEOUT, 0, null, Duration.ofSeconds(30), times);
  }

  /** Added to every call of the channel. */
  public void setLatency(Channel channel, Duration delay) {
    faults.setLatency(channel, delay);
  }

  public void failShopeeStock(long itemId, long modelId, String reason) {
    shopee.catalog.fail(itemId, modelId, reason);
  }

  /** The SKU's inventory updates fail in data.errors with a code outside TikTok's table (17019001). */
  public void failTikTokSku(String skuId, String message) {
    tiktok.stock.fail(skuId, 17019001, message);
  }

  /** The SKU's inventory updates fail in data.errors with {@code code} (e.g. 12052048 not editable). */
  public void failTikTokSku(String skuId, long code, String message) {
    tiktok.stock.fail(skuId, code, message);
  }

  /** A TikTok SKU assigned to these warehouses (each at 0): updates must list all of them. */
  public void defineTikTokSku(String productId, String skuId, String... warehouseIds) {
    tiktok.stock.define(productId, skuId, List.of(warehouseIds));
  }

  /** A virtual bundle SKU: its stock cannot be edited (12052850). */
  public void addTikTokBundleSku(String productId, String skuId) {
    tiktok.stock.bundle(productId, skuId);
  }

  /** A promotion locks the SKU: updates below its current quantity answer 12052393. */
  public void lockTikTokPromotion(String skuId, boolean locked) {
    tiktok.stock.lockPromotion(skuId, locked);
  }

  /** Whether quantity 0 is accepted (UNSURE on the real platform; refused: 12019024). */
  public void acceptTikTokZeroQuantity(boolean accepted) {
    tiktok.stock.acceptZero(accepted);
  }

  public Integer tiktokStock(String skuId, String warehouseId) {
    return tiktok.stock.at(skuId, warehouseId);
  }

  /** The shop's access token expires now: its calls get 105002 until the client refreshes it. */
  public void expireTikTokAccessToken(String shopId) {
    tiktok.expireAccessToken(shopId);
  }

  /** TikTok's limit per API and shop, in requests per second (TikTok's default 50; 0, the default here: none). */
  public void setTikTokRateLimit(int perSecond) {
    tiktok.setRateLimit(perSecond);
  }

  /** access_token_expire_in of TikTok tokens issued from now on (default 7 days). */
  public void setTikTokTokenLifetime(Duration lifetime) {
    tiktok.setTokenLifetime(lifetime);
  }

  /** The next {@code times} messages to {@code to} fail with WhatsApp error {@code code} (e.g. 131056, 131026). */
  public void failWhatsAppRecipient(String to, int code, int times) {
    whatsApp.failRecipient(to, code, times);
  }

  public Integer shopeeStock(long itemId, long modelId) {
    return shopee.catalog.stock(itemId, modelId);
  }

  public Integer tiktokStock(String skuId) {
    return tiktok.stock.total(skuId);
  }

  /** Changes a model's stock behind the service's back (a seller edit in the console, a lost update). */
  public void setShopeeStock(long itemId, long modelId, int stock) {
    shopee.catalog.set(itemId, modelId, stock);
  }

  /** Changes a TikTok SKU's quantity behind the service's back. */
  public void setTikTokStock(String productId, String skuId, int quantity) {
    tiktok.stock.set(productId, skuId, quantity);
  }

  public void clearShopeeStockFailure(long itemId, long modelId) {
    shopee.catalog.clearFailure(itemId, modelId);
  }

  public void clearTikTokSkuFailure(String skuId) {
    tiktok.stock.clearFailure(skuId);
  }

  public List<JsonNode> whatsAppSent() {
    return whatsApp.sent();
  }

  /** Meta's catalogues (items_batch): add items, read their availability and inventory, set the 80014 limit. */
  public WhatsAppCatalogSandbox whatsAppCatalog() {
    return whatsApp.catalog();
  }

  /** Ends the shop's current access token now (its 4 hours are over): the next shop call gets invalid_acceess_token. */
  public void expireShopeeAccessToken(String shopId) {
    shopee.tokens.expire(shopId);
  }

  /** Revokes the shop's access token: the next shop call gets error_auth "Invalid access_token.". */
  public void revokeShopeeAccessToken(String shopId) {
    shopee.tokens.revoke(shopId);
  }

  public String shopeeAccessToken(String shopId) {
    return shopee.tokens.accessToken(shopId);
  }

  /** Lifetime (expire_in) of access tokens; the current ones now expire that long from now. */
  public void setShopeeTokenLifetime(Duration lifetime) {
    shopee.tokens.setLifetime(lifetime);
  }

  /** How often a spent (already rotated) Shopee refresh token was presented again. */
  public long shopeeRefreshTokenReuses() {
    return shopee.tokens.refreshTokenReuses();
  }

  /** An authorisation code the seller's redirect would carry (single use, 10 minutes) for token/get. */
  public String issueShopeeAuthCode(String shopId) {
    return shopee.authorization.issueCode(shopId);
  }

  /** The shop whose seller confirms the authorisation pages (default: the first sellable shop); it must exist. */
  public void setShopeeAuthorizingShop(String shopId) {
    shopee.authorization.setAuthorizingShop(shopId);
  }

  /** The seller removes the app: the shop's tokens stop working at once, push code 2 goes to {@code targetUrl}. */
  public CompletionStage<Delivery> deauthorizeShopee(String shopId, String targetUrl) {
    return shopee.authorization.deauthorize(shopId, targetUrl);
  }

  /** Push code 12 (partner level, one page): these shops' authorisations end before {@code expireBefore}. */
  public CompletionStage<Delivery> sendShopeeAuthExpiry(String targetUrl, List<String> shopIds, Instant expireBefore) {
    return shopee.authorization.sendAuthExpiry(targetUrl, shopIds, expireBefore);
  }

  /**
   * From now on token refreshes wait for {@link #releaseShopeeRefreshes}: {@code processFirst} false, unprocessed
   * (the old refresh token still works); true, already rotated, only the answer is held.
   */
  public void holdShopeeRefreshes(boolean processFirst) {
    shopee.refreshHolds.hold(processFirst);
  }

  /** Ends the hold: {@code answer} true answers held refreshes; false drops them (or their answers) with a 503. */
  public void releaseShopeeRefreshes(boolean answer) {
    shopee.refreshHolds.release(answer);
  }

  public int shopeeRefreshesHeld() {
    return shopee.refreshHolds.count();
  }

  /** Successful token refreshes of the shop since the last reset. */
  public long shopeeRefreshCount(String shopId) {
    return shopee.tokens.refreshCount(shopId);
  }

  /** The shops the seller authorises on TikTok's page (default: the first sellable shop); they must exist. */
  public void setTikTokAuthorizingShops(String... shopIds) {
    tiktok.authorization.setAuthorizingShops(shopIds);
  }

  /** The seller refuses on TikTok's page: the redirect carries error=auth_denied and no code. */
  public void denyTikTokAuthorization(boolean deny) {
    tiktok.authorization.deny(deny);
  }

  public long tiktokRefreshCount(String shopId) {
    return tiktok.authorization.refreshCount(shopId);
  }

  /** The seller removes the app: the shop's tokens stop working, webhook 6 goes to {@code targetUrl}. */
  public CompletionStage<Delivery> deauthorizeTikTok(String shopId, String targetUrl) {
    return tiktok.deauthorize(shopId, targetUrl);
  }

  /** Webhook 7: the shop's authorisation ends at {@code expiration}. */
  public CompletionStage<Delivery> sendTikTokAuthExpiring(String targetUrl, String shopId, Instant expiration) {
    return tiktok.sendAuthExpiring(targetUrl, shopId, expiration);
  }

  /** Declares an item plain ({@code withModels} false: model 0, get_item_base_info) or with models. */
  public void addShopeeItem(long itemId, boolean withModels) {
    shopee.catalog.addItem(itemId, withModels);
  }

  /** Puts the shop in the multi-warehouse programme with these location ids (empty list: out of it). */
  public void setShopeeWarehouses(String shopId, List<String> locationIds) {
    shopee.catalog.setWarehouses(shopId, locationIds);
  }

  public Integer shopeeStockAt(long itemId, long modelId, String locationId) {
    return shopee.catalog.stockAt(itemId, modelId, locationId);
  }

  /** Units a promotion reserves on the model (total_reserved_stock): pushes below it fail for that model. */
  public void setShopeeReservedStock(long itemId, long modelId, int units) {
    shopee.catalog.setReserved(itemId, modelId, units);
  }

  /** A promotion locking the model's stock completely ("Can not edit stock in promotion"). */
  public void lockShopeePromotionStock(long itemId, long modelId, boolean locked) {
    shopee.catalog.setLocked(itemId, modelId, locked);
  }

  public void setShopeeHolidayMode(String shopId, boolean on) {
    shopee.catalog.setHoliday(shopId, on);
  }

  /** Read-back seller_stock with the reserved units deducted (one reading of MARKETPLACES.md's UNSURE point). */
  public void setShopeeReadBackDeductsReserved(boolean deducts) {
    shopee.catalog.setReadBackDeductsReserved(deducts);
  }

  /** From now on this fraction of Shopee pushes is not delivered but served by get_lost_push_message. */
  public void loseShopeePushes(double fraction) {
    shopee.losePushes(fraction);
  }

  /** How many Shopee pushes were lost so far (each one served by get_lost_push_message until confirmed). */
  public long shopeePushesLost() {
    return shopee.pushesLost();
  }

  public void addShopeeOrder(String shopId, ObjectNode order) {
    shopee.addOrder(shopId, order);
  }

  public ObjectNode addShopeeOrder(String shopId, String orderSn, String status, List<ShopeeItem> items) {
    return shopee.addOrder(shopId, orderSn, status, items);
  }

  public void addTikTokOrder(String shopId, ObjectNode order) {
    tiktok.addOrder(shopId, order);
  }

  /** One line item per unit, as TikTok sends them. */
  public ObjectNode addTikTokOrder(String shopId, String orderId, String status, List<TikTokItem> items) {
    return tiktok.addOrder(shopId, orderId, status, items);
  }

  /** A push Shopee "failed to deliver", served by get_lost_push_message until confirmed. */
  public void addShopeeLostPush(String shopId, int code, ObjectNode data) {
    shopee.addLostPush(shopId, code, data);
  }

  public int shopeeLostPushCount() {
    return shopee.lostPushCount();
  }

  // -------------------------------------------------------------------------------------------------- webhooks

  /** A Shopee push signed with the shop's push key over its configured callback URL (else the target URL). */
  public CompletionStage<Delivery> sendShopeePush(String targetUrl, String shopId, int code, ObjectNode data,
      Redelivery redelivery) {
    return shopee.sendPush(targetUrl, shopId, code, data, redelivery);
  }

  public CompletionStage<Delivery> sendShopeeOrderStatus(String targetUrl, String shopId, String orderSn,
      String status, Redelivery redelivery) {
    return shopee.sendOrderStatus(targetUrl, shopId, orderSn, status, redelivery);
  }

  public CompletionStage<Delivery> sendTikTokNotification(String targetUrl, String shopId, int type, ObjectNode data,
      Redelivery redelivery) {
    return tiktok.sendNotification(targetUrl, shopId, type, data, redelivery);
  }

  public CompletionStage<Delivery> sendTikTokOrderStatus(String targetUrl, String shopId, String orderId,
      String status, Redelivery redelivery) {
    return tiktok.sendOrderStatus(targetUrl, shopId, orderId, status, redelivery);
  }

  /** A catalog order from {@code from} to our number, signed with X-Hub-Signature-256; eventId is the wamid. */
  public CompletionStage<Delivery> sendWhatsAppOrder(String targetUrl, String phoneNumberId, String from,
      String buyerName, List<WhatsAppItem> items, Redelivery redelivery) {
    return whatsApp.sendOrder(targetUrl, phoneNumberId, from, buyerName, items, redelivery);
  }

  /** One signed WhatsApp delivery of several changes (several numbers, other fields), as Meta batches them. */
  public CompletionStage<Delivery> sendWhatsAppChanges(String targetUrl, String signingNumberId,
      List<WhatsAppChange> changes, Redelivery redelivery) {
    return whatsApp.sendChanges(targetUrl, signingNumberId, changes, redelivery);
  }

  /**
   * A delivery status of a message we sent ({@code sent}, {@code delivered}, {@code read}, {@code failed}) at
   * {@code timestamp} (WhatsApp sends whole seconds, and in any order), signed like every WhatsApp webhook.
   */
  public CompletionStage<Delivery> sendWhatsAppStatus(String targetUrl, String phoneNumberId, String wamid,
      String status, long timestamp, String recipient, Redelivery redelivery) {
    return whatsApp.sendStatus(targetUrl, phoneNumberId, wamid, status, timestamp, recipient, redelivery);
  }

  // -------------------------------------------------------------------------------------------------- dispatch

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity().toStrict(10_000, materializer).thenCompose(strict -> {
      byte[] body = strict.getData().toArray();
      String path = request.getUri().path();
      Map<String, String> query = request.getUri().query().toMap();
      Channel channel = path.startsWith("/shopee/") ? Channel.SHOPEE : path.startsWith("/tiktok/") ? Channel.TIKTOK
          : path.startsWith("/whatsapp/") ? Channel.WHATSAPP : null;
      if (channel == null) {
        return CompletableFuture.completedFuture(path.startsWith("/control/") ? control.answer(request, path, query, body)
            : json(404, error("not_found", "no sandbox route " + path)));
      }
      Fault fault = faults.take(channel, path);
      Duration wait = faults.latency(channel);
      if (fault != null && (fault.kind() == FaultKind.DELAY || fault.kind() == FaultKind.TIMEOUT)) {
        wait = wait.plus(fault.delay());
      }
      Fault answerFault = fault != null && (fault.kind() == FaultKind.HTTP_STATUS
          || fault.kind() == FaultKind.PLATFORM_ERROR) ? fault : null;
      return delays.after(wait, () -> {
        try {
          return answerFault != null ? CompletableFuture.completedFuture(FaultInjector.answer(channel, answerFault))
              : switch (channel) {
            case SHOPEE -> shopee.answerAsync(request, path.substring("/shopee".length()), query, body);
            case TIKTOK -> CompletableFuture.completedFuture(
                tiktok.answer(request, path.substring("/tiktok".length()), query, body));
            case WHATSAPP -> CompletableFuture.completedFuture(
                whatsApp.answer(request, path.substring("/whatsapp".length()), body));
            case PHONE -> throw new IllegalArgumentException("no marketplace behind phone orders");
          };
        } catch (RuntimeException e) {
          return CompletableFuture.<Answer>failedFuture(e);
        }
      }).thenCompose(answer -> answer).exceptionally(e -> {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause() : e;
        return new Answer(400, error("bad_request", String.valueOf(cause.getMessage())), "bad_request");
      }).thenApply(result -> {
        calls.add(new Call(channel, request.method().value(), path, query, new String(body, StandardCharsets.UTF_8),
            result.status(), result.outcome(), Instant.now()));
        HttpResponse response = json(result.status(), result.body());
        if (result.location() != null) response = response.addHeader(Location.create(result.location()));
        if (answerFault != null && answerFault.httpStatus() == 429) {
          response = response.addHeader(RawHeader.create("Retry-After", "0"));
        }
        return response;
      });
    });
  }
}

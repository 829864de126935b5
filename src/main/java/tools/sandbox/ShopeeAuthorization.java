package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.ShopeeSandbox.shopeeError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;

/**
 * Shopee's side of onboarding (MARKETPLACES.md "Shop authorisation"): the authorisation and cancel pages the seller
 * confirms at once, the single-use 10-minute codes they hand out, their exchange on token/get, de-authorisation, and
 * the partner-level pushes that go with them (code 1 authorised, code 2 de-authorised, code 12 expiring soon).
 */
final class ShopeeAuthorization {
  /** Delivers one push envelope (signed with {@code pushKey} over {@code callbackUrl}, else over the target). */
  interface Pushes {
    CompletionStage<Delivery> deliver(String targetUrl, ObjectNode push, String pushKey, String callbackUrl,
        Redelivery redelivery);
  }

  private record Code(String shopId, Instant expiresAt) {}

  private final SandboxShops config;
  private final ShopeeTokens tokens;
  private final Pushes pushes;
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private volatile String authorizingShop;

  ShopeeAuthorization(SandboxShops config, ShopeeTokens tokens, Pushes pushes) {
    this.config = config;
    this.tokens = tokens;
    this.pushes = pushes;
    reset();
  }

  void reset() {
    codes.clear();
    authorizingShop = defaultShop();
  }

  /** The first sellable shop, else the first configured one. */
  private String defaultShop() {
    if (!config.shopeeSellable().isEmpty()) return config.shopeeSellable().get(0);
    return config.shopee().isEmpty() ? null : config.shopee().get(0).shopId();
  }

  /** The shop whose seller logs in on the authorisation pages from now on: it must exist on the platform. */
  void setAuthorizingShop(String shopId) {
    if (config.shopeeShop(shopId).isEmpty()) {
      throw new IllegalArgumentException("Shopee shop " + shopId + " is neither configured nor sellable");
    }
    authorizingShop = shopId;
  }

  String issueCode(String shopId) {
    String code = "sbx-code-" + UUID.randomUUID();
    codes.put(code, new Code(shopId, Instant.now().plusSeconds(600)));
    return code;
  }

  /**
   * GET /api/v2/shop/auth_partner (signature and timestamp already checked): the seller confirms at once, Shopee
   * redirects with a fresh code and the shop id, and pushes code 1 to the app's callback URL (a failed push does not
   * undo the authorisation).
   */
  Answer authorizePage(Map<String, String> q, long partnerId) {
    String redirect = q.get("redirect");
    if (redirect == null || redirect.isBlank()) {
      return new Answer(400, shopeeError("error_param", "redirect is required"), "error_param");
    }
    SandboxShops.ShopeeShop shop = config.shopeeShop(authorizingShop).orElse(null);
    if (shop == null || shop.partnerId() != partnerId) {
      return new Answer(403, shopeeError("error_param", "the shop cannot authorise this partner"), "error_param");
    }
    String location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + issueCode(shop.shopId())
        + "&shop_id=" + shop.shopId();
    ObjectNode data = MAPPER.createObjectNode();
    data.put("authorize_type", "shop authorization by user")
        .put("extra", "shop id " + shop.shopId() + " has been authorized successfully")
        .put("shop_id", Long.parseLong(shop.shopId())).put("success", 1);
    pushQuietly(shop, 1, data);
    return Answer.redirect(location, "authorized");
  }

  /** GET /api/v2/shop/cancel_auth_partner: the seller removes the app; push code 2, then back to the redirect. */
  Answer cancelPage(Map<String, String> q, long partnerId) {
    String redirect = q.get("redirect");
    if (redirect == null || redirect.isBlank()) {
      return new Answer(400, shopeeError("error_param", "redirect is required"), "error_param");
    }
    SandboxShops.ShopeeShop shop = config.shopeeShop(authorizingShop).orElse(null);
    if (shop == null || shop.partnerId() != partnerId) {
      return new Answer(403, shopeeError("error_param", "the shop is not authorised to this partner"), "error_param");
    }
    tokens.deauthorize(shop.shopId());
    pushQuietly(shop, 2, cancelData(shop.shopId()));
    return Answer.redirect(redirect, "deauthorized");
  }

  /** The seller removed the app: tokens stop working at once and code 2 goes to {@code targetUrl}. */
  CompletionStage<Delivery> deauthorize(String shopId, String targetUrl) {
    SandboxShops.ShopeeShop shop = config.shopeeShop(shopId)
        .orElseThrow(() -> new IllegalArgumentException("no Shopee shop " + shopId));
    tokens.deauthorize(shopId);
    return pushes.deliver(targetUrl, partnerPush(shop.partnerId(), 2, cancelData(shopId)), shop.effectivePushKey(),
        shop.callbackUrl(), Redelivery.ONCE);
  }

  /** Push code 12: partner level, neither shop_id nor partner_id at the top, one page. */
  CompletionStage<Delivery> sendAuthExpiry(String targetUrl, List<String> shopIds, Instant expireBefore) {
    SandboxShops.ShopeeApp app = config.shopeeApp();
    ObjectNode data = MAPPER.createObjectNode();
    data.putArray("merchant_expire_soon");
    ArrayNode shops = data.putArray("shop_expire_soon");
    shopIds.forEach(id -> shops.add(Long.parseLong(id)));
    data.putArray("user_expire_soon");
    data.put("expire_before", expireBefore.getEpochSecond()).put("page_no", 1).put("total_page", 1);
    ObjectNode push = MAPPER.createObjectNode();
    push.put("code", 12).put("timestamp", Instant.now().getEpochSecond());
    push.set("data", data);
    String key = app.pushKey() == null || app.pushKey().isBlank() ? app.partnerKey() : app.pushKey();
    return pushes.deliver(targetUrl, push, key, app.callbackUrl(), Redelivery.ONCE);
  }

  /** token/get: body {code, partner_id, shop_id} or {code, partner_id, main_account_id}, exactly one of the two. */
  Answer codeExchange(JsonNode json, long partnerId, ObjectNode ok) {
    boolean byShop = json.hasNonNull("shop_id");
    if (!json.hasNonNull("code") || byShop == json.hasNonNull("main_account_id")
        || json.path("partner_id").asLong(-1) != partnerId) {
      return new Answer(400, shopeeError("error_param",
          "code, partner_id and one of shop_id or main_account_id are required"), "error_param");
    }
    Code issued = codes.remove(json.get("code").asText());
    if (issued == null || Instant.now().isAfter(issued.expiresAt())
        || (byShop && !json.get("shop_id").asText().equals(issued.shopId()))) {
      return new Answer(403, shopeeError("error_auth", "Invalid code"), "error_auth");
    }
    String[] pair = tokens.issue(issued.shopId());
    ok.put("access_token", pair[0]).put("refresh_token", pair[1]).put("expire_in", tokens.lifetimeSeconds());
    if (!byShop) ok.putArray("shop_id_list").add(Long.parseLong(issued.shopId()));
    if (!byShop) ok.putArray("merchant_id_list");
    return new Answer(200, ok, "ok");
  }

  private static ObjectNode cancelData(String shopId) {
    // "shopid", as several of Shopee's own samples spell it (clients must accept it and shop_id alike).
    ObjectNode data = MAPPER.createObjectNode();
    data.put("authorize_type", "user cancel shop authorization").put("shopid", Long.parseLong(shopId))
        .put("success", 1).put("extra", "shop id " + shopId + " cancelled the authorization");
    return data;
  }

  /** Codes 1 and 2: partner_id at the top, no top-level shop_id (the shop is inside data). */
  private static ObjectNode partnerPush(long partnerId, int code, ObjectNode data) {
    ObjectNode push = MAPPER.createObjectNode();
    push.set("data", data);
    push.put("partner_id", partnerId).put("code", code).put("timestamp", Instant.now().getEpochSecond());
    return push;
  }

  /** A push after a page the seller confirmed: to the registered callback URL; its failure is not the page's. */
  private void pushQuietly(SandboxShops.ShopeeShop shop, int code, ObjectNode data) {
    String url = shop.callbackUrl();
    if (url == null || url.isBlank()) return;
    try {
      pushes.deliver(url, partnerPush(shop.partnerId(), code, data), shop.effectivePushKey(), url, Redelivery.ONCE)
          .exceptionally(e -> null);
    } catch (RuntimeException e) {
      // An unusable callback URL: the app gets no push, the seller's redirect still happens.
    }
  }
}

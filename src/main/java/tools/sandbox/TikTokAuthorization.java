package tools.sandbox;

import static tools.sandbox.SandboxJson.MAPPER;
import static tools.sandbox.TikTokSandbox.tiktokError;
import static tools.sandbox.TikTokSandbox.tiktokOk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TikTok Shop's authorisation (MARKETPLACES.md "Authorisation and tokens"): the authorisation page the seller
 * confirms (or refuses) at once, single-use 30-minute auth codes, token get and refresh on the auth host (unsigned;
 * expiries are absolute unix seconds), and the per-shop tokens the API host checks. One token may cover several
 * shops. Codes the sandbox answers that are not in our notes are its own: 105003 (unknown refresh token or auth
 * code); 106001 (wrong app credentials) and 36009004 (bad parameter) are TikTok's documented ones.
 */
final class TikTokAuthorization {
  static final Duration DEFAULT_LIFETIME = Duration.ofDays(7);

  private record Code(List<String> shopIds, Instant expiresAt) {}

  private final SandboxShops config;
  /** Shop id to its current tokens: the configured ones until a refresh, token get or de-authorisation. */
  private final Map<String, String> accessTokens = new ConcurrentHashMap<>();
  private final Map<String, Instant> accessExpiry = new ConcurrentHashMap<>();
  private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> refreshes = new ConcurrentHashMap<>();
  private volatile Duration tokenLifetime = DEFAULT_LIFETIME;
  private volatile List<String> authorizingShops;
  private volatile boolean denied;

  TikTokAuthorization(SandboxShops config) {
    this.config = config;
    reset();
  }

  void reset() {
    accessTokens.clear();
    accessExpiry.clear();
    refreshTokens.clear();
    codes.clear();
    refreshes.clear();
    tokenLifetime = DEFAULT_LIFETIME;
    denied = false;
    authorizingShops = !config.tiktokSellable().isEmpty() ? List.of(config.tiktokSellable().get(0))
        : config.tiktok().isEmpty() ? List.of() : List.of(config.tiktok().get(0).shopId());
  }

  void setTokenLifetime(Duration lifetime) {
    tokenLifetime = lifetime;
  }

  /** The shop's current access token (null: none, a sellable shop not authorised yet). */
  String accessToken(SandboxShops.TikTokShop shop) {
    return accessTokens.computeIfAbsent(shop.shopId(), k -> {
      if (shop.accessToken() == null) return null;
      accessExpiry.put(k, Instant.now().plus(tokenLifetime));
      return shop.accessToken();
    });
  }

  boolean expired(String shopId) {
    return accessExpiry.getOrDefault(shopId, Instant.MAX).isBefore(Instant.now());
  }

  /** The shop's access token expires now (as if its 7 days were over). */
  void expire(String shopId) {
    config.tiktokShop(shopId).ifPresent(this::accessToken);
    accessExpiry.put(shopId, Instant.now().minusSeconds(1));
  }

  private String refreshToken(SandboxShops.TikTokShop shop) {
    return refreshTokens.computeIfAbsent(shop.shopId(), k -> shop.refreshToken());
  }

  void setAuthorizingShops(String... shopIds) {
    for (String id : shopIds) {
      if (config.tiktokShop(id).isEmpty()) {
        throw new IllegalArgumentException("TikTok shop " + id + " is neither configured nor sellable");
      }
    }
    authorizingShops = List.of(shopIds);
  }

  void deny(boolean deny) {
    denied = deny;
  }

  /** The seller removed the app: the shop's tokens stop working (105002 on calls, refresh refused). */
  void deauthorize(String shopId) {
    accessTokens.put(shopId, "revoked-" + UUID.randomUUID());
    accessExpiry.put(shopId, Instant.now().plus(tokenLifetime));
    refreshTokens.put(shopId, "");
  }

  long refreshCount(String shopId) {
    AtomicLong n = refreshes.get(shopId);
    return n == null ? 0 : n.get();
  }

  /**
   * GET /open/authorize?service_id&state: the seller confirms at once (or refuses, as set) and is sent to the
   * app's Redirect URL registered in Partner Center with {@code code} and {@code state} (or {@code error=auth_denied}).
   */
  Answer authorizePage(Map<String, String> q) {
    String redirect = config.tiktokApp().redirectUrl();
    if (q.getOrDefault("service_id", "").isBlank()) {
      return new Answer(400, tiktokError(36009004, "service_id is required"), "36009004");
    }
    if (redirect == null || redirect.isBlank()) {
      return new Answer(400, tiktokError(36009004, "the app has no registered redirect URL"), "36009004");
    }
    String state = q.containsKey("state") ? "&state=" + java.net.URLEncoder.encode(q.get("state"),
        java.nio.charset.StandardCharsets.UTF_8) : "";
    String sep = redirect.contains("?") ? "&" : "?";
    if (denied) return Answer.redirect(redirect + sep + "error=auth_denied" + state, "auth_denied");
    String code = "sbx-tt-code-" + UUID.randomUUID();
    codes.put(code, new Code(authorizingShops, Instant.now().plus(Duration.ofMinutes(30))));
    return Answer.redirect(redirect + sep + "code=" + code + state, "authorized");
  }

  /** GET /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code: tokens for the code's shops. */
  Answer tokenGet(Map<String, String> q) {
    SandboxShops.TikTokApp app = config.tiktokApp();
    if (!app.appKey().equals(q.get("app_key")) || !app.appSecret().equals(q.get("app_secret"))) {
      return new Answer(200, tiktokError(106001, "Invalid app_key or app_secret"), "106001");
    }
    if (!"authorized_code".equals(q.get("grant_type"))) {
      return new Answer(200, tiktokError(36009004, "grant_type must be authorized_code"), "36009004");
    }
    Code code = q.get("auth_code") == null ? null : codes.remove(q.get("auth_code"));
    if (code == null || Instant.now().isAfter(code.expiresAt()) || code.shopIds().isEmpty()) {
      return new Answer(200, tiktokError(105003, "Invalid auth_code: unknown, used or expired"), "105003");
    }
    List<SandboxShops.TikTokShop> shops = code.shopIds().stream().map(id -> config.tiktokShop(id).orElseThrow())
        .toList();
    String access = "TTP_" + UUID.randomUUID().toString().replace("-", "");
    String refresh = "TTP_rt_" + UUID.randomUUID().toString().replace("-", "");
    Instant expires = Instant.now().plus(tokenLifetime);
    for (SandboxShops.TikTokShop s : shops) {
      accessTokens.put(s.shopId(), access);
      accessExpiry.put(s.shopId(), expires);
      refreshTokens.put(s.shopId(), refresh);
    }
    return tokens(access, expires, refresh, shops.get(0), "authorized");
  }

  /**
   * GET /api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token: a new access token for
   * every shop of that refresh token; the refresh token stays the same, as in TikTok's samples.
   */
  Answer refresh(Map<String, String> q) {
    if (!"refresh_token".equals(q.get("grant_type"))) {
      return new Answer(200, tiktokError(36009004, "grant_type must be refresh_token"), "36009004");
    }
    String given = q.getOrDefault("refresh_token", "");
    List<SandboxShops.TikTokShop> shops = config.tiktok().stream()
        .filter(s -> s.appKey().equals(q.get("app_key")) && s.appSecret().equals(q.get("app_secret"))
            && !given.isBlank() && given.equals(refreshToken(s))).toList();
    if (shops.isEmpty()) return new Answer(200, tiktokError(105003, "Invalid refresh_token"), "105003");
    String token = "TTP_" + UUID.randomUUID().toString().replace("-", "");
    Instant expires = Instant.now().plus(tokenLifetime);
    for (SandboxShops.TikTokShop s : shops) {
      accessTokens.put(s.shopId(), token);
      accessExpiry.put(s.shopId(), expires);
      refreshes.computeIfAbsent(s.shopId(), k -> new AtomicLong()).incrementAndGet();
    }
    return tokens(token, expires, given, shops.get(0), "refreshed");
  }

  private Answer tokens(String access, Instant expires, String refresh, SandboxShops.TikTokShop first,
      String outcome) {
    ObjectNode ok = tiktokOk();
    ObjectNode data = ok.putObject("data");
    data.put("access_token", access).put("access_token_expire_in", expires.getEpochSecond())
        .put("refresh_token", refresh)
        .put("refresh_token_expire_in", Instant.now().plus(Duration.ofDays(365)).getEpochSecond())
        .put("open_id", "sbx-open-" + first.shopId()).put("seller_name", first.name())
        .put("seller_base_region", first.region().isBlank() ? "MY" : first.region()).put("user_type", 0);
    data.putArray("granted_scopes").add("seller.order.info").add("seller.product.basic")
        .add("seller.authorization.info");
    return new Answer(200, ok, outcome);
  }
}

package marketplace;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Shops per channel and client settings from {@code orchestrator.marketplaces} (marketplaces.conf). Secrets live only
 * in these records; every {@code toString} redacts them, so logging a shop never leaks a key or token.
 */
public record MarketplaceConfig(
    ClientSettings client,
    List<ShopeeShop> shopee,
    List<TikTokShop> tiktok,
    List<WhatsAppNumber> whatsapp,
    String shopeeCancelReason,
    String tiktokCancelReason,
    Duration shopeeTokenRefreshMargin,
    ShopeeApp shopeeApp,
    TikTokApp tiktokApp,
    Duration tiktokTokenRefreshMargin,
    Optional<WhatsAppCatalog> whatsAppCatalog) {

  static final String REDACTED = "***";

  public record ClientSettings(Duration connectTimeout, Duration requestTimeout, int maxConnectionsPerHost,
      int maxAttempts, Duration minBackoff, Duration maxBackoff, double jitter,
      int breakerMaxFailures, Duration breakerCallTimeout, Duration breakerResetTimeout) {

    public ClientSettings withRequestTimeout(Duration timeout) {
      return new ClientSettings(connectTimeout, timeout, maxConnectionsPerHost, maxAttempts, minBackoff, maxBackoff,
          jitter, breakerMaxFailures, breakerCallTimeout, breakerResetTimeout);
    }

    public ClientSettings withRetry(int attempts, Duration min, Duration max) {
      return new ClientSettings(connectTimeout, requestTimeout, maxConnectionsPerHost, attempts, min, max, jitter,
          breakerMaxFailures, breakerCallTimeout, breakerResetTimeout);
    }

    public ClientSettings withBreaker(int maxFailures, Duration resetTimeout) {
      return new ClientSettings(connectTimeout, requestTimeout, maxConnectionsPerHost, maxAttempts, minBackoff,
          maxBackoff, jitter, maxFailures, breakerCallTimeout, resetTimeout);
    }
  }

  /** @param ratePerSecond requests per second this shop may send (token bucket), {@code burst} at once */
  public record RateLimit(double ratePerSecond, int burst) {}

  public record ShopeeShop(String shopId, long partnerId, String partnerKey, String pushKey, String accessToken,
      String refreshToken, String baseUrl, String callbackUrl, RateLimit rateLimit) {
    /** The key that signs pushes: push-key when configured, else the partner key (UNSURE in the docs). */
    public String effectivePushKey() {
      return pushKey == null || pushKey.isBlank() ? partnerKey : pushKey;
    }

    public ShopeeShop withBaseUrl(String url) {
      return new ShopeeShop(shopId, partnerId, partnerKey, pushKey, accessToken, refreshToken, url, callbackUrl,
          rateLimit);
    }

    public ShopeeShop withCallbackUrl(String url) {
      return new ShopeeShop(shopId, partnerId, partnerKey, pushKey, accessToken, refreshToken, baseUrl, url,
          rateLimit);
    }

    @Override
    public String toString() {
      return "ShopeeShop[shopId=" + shopId + ", partnerId=" + partnerId + ", partnerKey=" + REDACTED + ", pushKey="
          + REDACTED + ", accessToken=" + REDACTED + ", refreshToken=" + REDACTED + ", baseUrl=" + baseUrl
          + ", callbackUrl=" + callbackUrl + ", rateLimit=" + rateLimit + "]";
    }
  }

  /**
   * @param refreshToken the shop's refresh token (blank: none; a 105002 then cannot be repaired by a refresh)
   * @param authBaseUrl TikTok's auth host (token refresh), separate from the API host
   * @param region the shop's market (e.g. MY, UK): picks the cancel reasons' suffix
   */
  public record TikTokShop(String shopId, String appKey, String appSecret, String shopCipher, String accessToken,
      String refreshToken, String baseUrl, String authBaseUrl, String region, RateLimit rateLimit) {
    public TikTokShop withBaseUrl(String url) {
      return new TikTokShop(shopId, appKey, appSecret, shopCipher, accessToken, refreshToken, url, authBaseUrl,
          region, rateLimit);
    }

    public TikTokShop withAuthBaseUrl(String url) {
      return new TikTokShop(shopId, appKey, appSecret, shopCipher, accessToken, refreshToken, baseUrl, url, region,
          rateLimit);
    }

    public TikTokShop withSecrets(String appSecret, String accessToken, String refreshToken) {
      return new TikTokShop(shopId, appKey, appSecret, shopCipher, accessToken, refreshToken, baseUrl, authBaseUrl,
          region, rateLimit);
    }

    @Override
    public String toString() {
      return "TikTokShop[shopId=" + shopId + ", appKey=" + appKey + ", appSecret=" + REDACTED + ", shopCipher="
          + shopCipher + ", accessToken=" + REDACTED + ", refreshToken=" + REDACTED + ", baseUrl=" + baseUrl
          + ", authBaseUrl=" + authBaseUrl + ", region=" + region + ", rateLimit=" + rateLimit + "]";
    }
  }

  /**
   * The Shopee app (partner) shops connect to through onboarding: every such shop is called with these settings.
   * @param redirectUrl where Shopee sends the seller's browser after authorising (our public redirect endpoint)
   */
  public record ShopeeApp(long partnerId, String partnerKey, String pushKey, String baseUrl, String callbackUrl,
      String redirectUrl, RateLimit rateLimit) {
    public String effectivePushKey() {
      return pushKey == null || pushKey.isBlank() ? partnerKey : pushKey;
    }

    /** An onboarded shop's settings (its tokens live in its connection entity, not here). */
    public ShopeeShop shop(String shopId) {
      return new ShopeeShop(shopId, partnerId, partnerKey, pushKey, "", "", baseUrl, callbackUrl, rateLimit);
    }

    ShopeeApp withBaseUrl(String url) {
      return new ShopeeApp(partnerId, partnerKey, pushKey, url, callbackUrl, redirectUrl, rateLimit);
    }

    public ShopeeApp withUrls(String callback, String redirect) {
      return new ShopeeApp(partnerId, partnerKey, pushKey, baseUrl, callback, redirect, rateLimit);
    }

    @Override
    public String toString() {
      return "ShopeeApp[partnerId=" + partnerId + ", partnerKey=" + REDACTED + ", baseUrl=" + baseUrl
          + ", callbackUrl=" + callbackUrl + ", redirectUrl=" + redirectUrl + "]";
    }
  }

  /**
   * The TikTok Shop app shops connect to through onboarding.
   * @param authorizationUrl the link copied from Partner Center; {@code &state=...} is appended
   */
  public record TikTokApp(String appKey, String appSecret, String baseUrl, String authBaseUrl,
      String authorizationUrl, String redirectUrl, RateLimit rateLimit) {
    /** An onboarded shop's settings, with the cipher and region its authorisation listed. */
    public TikTokShop shop(String shopId, String shopCipher, String region) {
      return new TikTokShop(shopId, appKey, appSecret, shopCipher == null ? "" : shopCipher, "", "", baseUrl,
          authBaseUrl, region == null ? "" : region, rateLimit);
    }

    TikTokApp withBaseUrls(String base, String auth, String authorization) {
      return new TikTokApp(appKey, appSecret, base, auth, authorization, redirectUrl, rateLimit);
    }

    public TikTokApp withRedirectUrl(String redirect) {
      return new TikTokApp(appKey, appSecret, baseUrl, authBaseUrl, authorizationUrl, redirect, rateLimit);
    }

    @Override
    public String toString() {
      return "TikTokApp[appKey=" + appKey + ", appSecret=" + REDACTED + ", baseUrl=" + baseUrl + ", authBaseUrl="
          + authBaseUrl + ", authorizationUrl=" + authorizationUrl + ", redirectUrl=" + redirectUrl + "]";
    }
  }

  public record WhatsAppNumber(String phoneNumberId, String accessToken, String appSecret, String verifyToken,
      String baseUrl, String apiVersion, double messagesPerSecond, Duration recipientMinBackoff,
      Duration recipientMaxBackoff) {
    public WhatsAppNumber withBaseUrl(String url) {
      return new WhatsAppNumber(phoneNumberId, accessToken, appSecret, verifyToken, url, apiVersion,
          messagesPerSecond, recipientMinBackoff, recipientMaxBackoff);
    }

    public WhatsAppNumber withRecipientBackoff(Duration min, Duration max) {
      return new WhatsAppNumber(phoneNumberId, accessToken, appSecret, verifyToken, baseUrl, apiVersion,
          messagesPerSecond, min, max);
    }

    @Override
    public String toString() {
      return "WhatsAppNumber[phoneNumberId=" + phoneNumberId + ", accessToken=" + REDACTED + ", appSecret="
          + REDACTED + ", verifyToken=" + REDACTED + ", baseUrl=" + baseUrl + ", apiVersion=" + apiVersion
          + ", messagesPerSecond=" + messagesPerSecond + "]";
    }
  }

  /**
   * The Meta catalogue whose items' availability this service keeps (items_batch). Its id is the shopId of the
   * WhatsApp listings it covers.
   *
   * @param callsPerMinute the Catalog Batch limit per catalogue (UNSURE, about 8): the adapter's rate limiter
   * @param maxItemsPerCall requests per items_batch call; a larger push is split
   * @param rateLimitedBackoff the least wait after error 80014 (too many batch calls)
   */
  public record WhatsAppCatalog(String catalogId, String accessToken, String baseUrl, String version,
      double callsPerMinute, int maxItemsPerCall, Duration rateLimitedBackoff) {
    public WhatsAppCatalog withBaseUrl(String url) {
      return new WhatsAppCatalog(catalogId, accessToken, url, version, callsPerMinute, maxItemsPerCall,
          rateLimitedBackoff);
    }

    public WhatsAppCatalog withLimits(double perMinute, int maxItems, Duration backoff) {
      return new WhatsAppCatalog(catalogId, accessToken, baseUrl, version, perMinute, maxItems, backoff);
    }

    @Override
    public String toString() {
      return "WhatsAppCatalog[catalogId=" + catalogId + ", accessToken=" + REDACTED + ", baseUrl=" + baseUrl
          + ", version=" + version + ", callsPerMinute=" + callsPerMinute + ", maxItemsPerCall=" + maxItemsPerCall
          + "]";
    }
  }

  /** Reads {@code orchestrator.marketplaces} from the application configuration. */
  public static MarketplaceConfig fromConfig(Config root) {
    Config c = root.getConfig("orchestrator.marketplaces");
    Config http = c.getConfig("http");
    Config retry = c.getConfig("retry");
    Config breaker = c.getConfig("circuit-breaker");
    ClientSettings client = new ClientSettings(http.getDuration("connect-timeout"), http.getDuration("request-timeout"),
        http.getInt("max-connections-per-host"), retry.getInt("max-attempts"), retry.getDuration("min-backoff"),
        retry.getDuration("max-backoff"), retry.getDouble("jitter"), breaker.getInt("max-failures"),
        breaker.getDuration("call-timeout"), breaker.getDuration("reset-timeout"));
    if (client.maxAttempts() < 1) throw new IllegalArgumentException("orchestrator.marketplaces.retry.max-attempts must be >= 1");
    List<ShopeeShop> shopee = c.getConfigList("shopee.shops").stream().map(s -> new ShopeeShop(
        s.getString("shop-id"), s.getLong("partner-id"), s.getString("partner-key"), s.getString("push-key"),
        s.getString("access-token"), s.getString("refresh-token"), trimSlash(s.getString("base-url")),
        s.getString("callback-url"), rate(s))).toList();
    List<TikTokShop> tiktok = c.getConfigList("tiktok.shops").stream().map(s -> new TikTokShop(
        s.getString("shop-id"), s.getString("app-key"), s.getString("app-secret"), s.getString("shop-cipher"),
        s.getString("access-token"), opt(s, "refresh-token"), trimSlash(s.getString("base-url")),
        trimSlash(opt(s, "auth-base-url")), opt(s, "region"), rate(s))).toList();
    List<WhatsAppNumber> whatsapp = c.getConfigList("whatsapp.numbers").stream().map(s -> new WhatsAppNumber(
        s.getString("phone-number-id"), s.getString("access-token"), s.getString("app-secret"),
        s.getString("verify-token"), trimSlash(s.getString("base-url")), s.getString("api-version"),
        s.getDouble("messages-per-second"), s.getDuration("recipient-min-backoff"),
        s.getDuration("recipient-max-backoff"))).toList();
    Config sa = c.getConfig("shopee.app");
    ShopeeApp shopeeApp = new ShopeeApp(sa.getLong("partner-id"), sa.getString("partner-key"),
        sa.getString("push-key"), trimSlash(sa.getString("base-url")), sa.getString("callback-url"),
        sa.getString("redirect-url"), rate(sa));
    Config ta = c.getConfig("tiktok.app");
    TikTokApp tiktokApp = new TikTokApp(ta.getString("app-key"), ta.getString("app-secret"),
        trimSlash(ta.getString("base-url")), trimSlash(ta.getString("auth-base-url")),
        ta.getString("authorization-url"), ta.getString("redirect-url"), rate(ta));
    return new MarketplaceConfig(client, shopee, tiktok, whatsapp, c.getString("shopee.cancel-reason"),
        c.getString("tiktok.cancel-reason"), c.getDuration("shopee.token-refresh-margin"), shopeeApp, tiktokApp,
        c.getDuration("tiktok.token-refresh-margin"), catalog(c));
  }

  /** Absent when no catalogue id is configured (older configurations have no section). */
  private static Optional<WhatsAppCatalog> catalog(Config c) {
    if (!c.hasPath("whatsapp.catalog.id") || c.getString("whatsapp.catalog.id").isBlank()) return Optional.empty();
    Config k = c.getConfig("whatsapp.catalog");
    WhatsAppCatalog catalog = new WhatsAppCatalog(k.getString("id").trim(), k.getString("access-token"),
        trimSlash(k.getString("graph-base-url")), k.getString("version"), k.getDouble("calls-per-minute"),
        k.getInt("max-items-per-call"), k.getDuration("rate-limited-backoff"));
    if (catalog.callsPerMinute() <= 0 || catalog.maxItemsPerCall() < 1) {
      throw new IllegalArgumentException("orchestrator.marketplaces.whatsapp.catalog: calls-per-minute must be > 0 "
          + "and max-items-per-call >= 1");
    }
    return Optional.of(catalog);
  }

  /** The configured catalogue with this id (a WhatsApp listing's shopId). */
  public Optional<WhatsAppCatalog> whatsAppCatalog(String catalogId) {
    return whatsAppCatalog.filter(c -> c.catalogId().equals(catalogId));
  }

  /**
   * Whether a listing on this channel and shop gets stock pushes: a marketplace with an API, or a WhatsApp listing
   * of the configured catalogue (its availability). Not the same as {@link common.Channel#hasMarketplaceApi()}:
   * WhatsApp orders are still neither fetched nor cancelled through an API.
   */
  public boolean receivesStock(common.Channel channel, String shopId) {
    return channel.hasMarketplaceApi()
        || (channel == common.Channel.WHATSAPP && whatsAppCatalog(shopId).isPresent());
  }

  private static RateLimit rate(Config s) {
    return new RateLimit(s.getDouble("rate-limit-per-second"), s.getInt("rate-limit-burst"));
  }

  private static String opt(Config s, String key) {
    return s.hasPath(key) ? s.getString(key) : "";
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public Optional<ShopeeShop> shopeeShop(String shopId) {
    return shopee.stream().filter(s -> s.shopId().equals(shopId)).findFirst();
  }

  public Optional<TikTokShop> tiktokShop(String shopId) {
    return tiktok.stream().filter(s -> s.shopId().equals(shopId)).findFirst();
  }

  public Optional<WhatsAppNumber> whatsAppNumber(String phoneNumberId) {
    return whatsapp.stream().filter(s -> s.phoneNumberId().equals(phoneNumberId)).findFirst();
  }

  public MarketplaceConfig withClient(ClientSettings settings) {
    return new MarketplaceConfig(settings, shopee, tiktok, whatsapp, shopeeCancelReason, tiktokCancelReason,
        shopeeTokenRefreshMargin, shopeeApp, tiktokApp, tiktokTokenRefreshMargin, whatsAppCatalog);
  }

  public MarketplaceConfig mapShops(UnaryOperator<ShopeeShop> shopeeFn, UnaryOperator<TikTokShop> tiktokFn,
      UnaryOperator<WhatsAppNumber> whatsAppFn) {
    return new MarketplaceConfig(client, shopee.stream().map(shopeeFn).toList(),
        tiktok.stream().map(tiktokFn).toList(), whatsapp.stream().map(whatsAppFn).toList(), shopeeCancelReason,
        tiktokCancelReason, shopeeTokenRefreshMargin, shopeeApp, tiktokApp, tiktokTokenRefreshMargin,
        whatsAppCatalog);
  }

  /** Points every shop at one base URL with the channel's path prefix (the sandbox: {@code base + "/shopee"}...). */
  public MarketplaceConfig withSandboxBaseUrl(String sandboxBaseUrl) {
    String base = trimSlash(sandboxBaseUrl);
    MarketplaceConfig shops = mapShops(s -> s.withBaseUrl(base + "/shopee"),
        s -> s.withBaseUrl(base + "/tiktok").withAuthBaseUrl(base + "/tiktok/auth"),
        s -> s.withBaseUrl(base + "/whatsapp"));
    String authorization = tiktokApp.authorizationUrl();
    int query = authorization.indexOf('?');
    return shops.withApps(shopeeApp.withBaseUrl(base + "/shopee"), tiktokApp.withBaseUrls(base + "/tiktok",
        base + "/tiktok/auth", base + "/tiktok/open/authorize" + (query < 0 ? "" : authorization.substring(query))))
        .withWhatsAppCatalog(whatsAppCatalog.map(c -> c.withBaseUrl(base + "/whatsapp")));
  }

  public MarketplaceConfig withApps(ShopeeApp shopee, TikTokApp tiktok) {
    return new MarketplaceConfig(client, this.shopee, this.tiktok, whatsapp, shopeeCancelReason, tiktokCancelReason,
        shopeeTokenRefreshMargin, shopee, tiktok, tiktokTokenRefreshMargin, whatsAppCatalog);
  }

  /** The catalogue replaced (tests: limits, another id); empty: no catalogue sync. */
  public MarketplaceConfig withWhatsAppCatalog(Optional<WhatsAppCatalog> catalog) {
    return new MarketplaceConfig(client, shopee, tiktok, whatsapp, shopeeCancelReason, tiktokCancelReason,
        shopeeTokenRefreshMargin, shopeeApp, tiktokApp, tiktokTokenRefreshMargin, catalog);
  }

  @Override
  public String toString() {
    return "MarketplaceConfig[client=" + client + ", shopee=" + shopee + ", tiktok=" + tiktok + ", whatsapp="
        + whatsapp + ", shopeeApp=" + shopeeApp + ", tiktokApp=" + tiktokApp + ", whatsAppCatalog="
        + whatsAppCatalog.orElse(null) + "]";
  }
}

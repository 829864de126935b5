package tools.sandbox;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shops the sandbox plays the platform for, and the secrets it issued them: read by the sandbox's own code
 * from the same {@code orchestrator.marketplaces} section the service is configured with (a real platform and
 * its app share nothing but these values), so the sandbox never relies on the client's configuration classes.
 *
 * <p>The shop lists hold the configured shops (with their preset tokens) and then the sellable shops of
 * {@code orchestrator.sandbox.*.sellable-shops} that are not configured: those exist on the platform under the app
 * but have no tokens until a seller authorises them through the onboarding page.
 */
record SandboxShops(List<ShopeeShop> shopee, List<TikTokShop> tiktok, List<WhatsAppNumber> whatsapp,
    ShopeeApp shopeeApp, TikTokApp tiktokApp, List<String> shopeeSellable, List<String> tiktokSellable,
    WhatsAppCatalogs catalogs) {

  /** @param accessToken null for a shop with no tokens yet (sellable, not yet authorised) */
  record ShopeeShop(String shopId, long partnerId, String partnerKey, String pushKey, String accessToken,
      String refreshToken, String callbackUrl) {
    /** Shopee signs pushes with a push key where one is set up, else with the partner key. */
    String effectivePushKey() {
      return pushKey == null || pushKey.isBlank() ? partnerKey : pushKey;
    }
  }

  /** The app (partner) as Shopee knows it: shops connected by onboarding are its shops. */
  record ShopeeApp(long partnerId, String partnerKey, String pushKey, String redirectUrl, String callbackUrl) {}

  /**
   * @param region the shop's market: UK shops' cancel reasons carry "_uk"
   * @param accessToken null for a shop with no tokens yet (sellable, not yet authorised)
   */
  record TikTokShop(String shopId, String appKey, String appSecret, String shopCipher, String accessToken,
      String refreshToken, String region, String name) {}

  /** @param redirectUrl the Redirect URL registered in Partner Center: the authorisation page sends the seller there */
  record TikTokApp(String appKey, String appSecret, String redirectUrl) {}

  record WhatsAppNumber(String phoneNumberId, String accessToken, String appSecret, String verifyToken) {}

  /**
   * Meta's catalogues: the token with management rights on them, the configured catalogue's id (blank: none, tests
   * add catalogues with their items), and the items_batch calls per catalogue and minute before error 80014.
   */
  record WhatsAppCatalogs(String accessToken, String configuredId, int callsPerMinute) {
    static WhatsAppCatalogs fromConfig(Config root) {
      String base = "orchestrator.marketplaces.whatsapp.catalog.";
      String limit = "orchestrator.sandbox.whatsapp.catalog-calls-per-minute";
      return new WhatsAppCatalogs(root.hasPath(base + "access-token") ? root.getString(base + "access-token") : "",
          root.hasPath(base + "id") ? root.getString(base + "id").trim() : "",
          root.hasPath(limit) ? root.getInt(limit) : 12);
    }
  }

  static SandboxShops fromConfig(Config root) {
    Config c = root.getConfig("orchestrator.marketplaces");
    List<ShopeeShop> shopee = new ArrayList<>(c.getConfigList("shopee.shops").stream().map(s -> new ShopeeShop(
        s.getString("shop-id"), s.getLong("partner-id"), s.getString("partner-key"), s.getString("push-key"),
        s.getString("access-token"), s.getString("refresh-token"), s.getString("callback-url"))).toList());
    List<TikTokShop> tiktok = new ArrayList<>(c.getConfigList("tiktok.shops").stream().map(s -> new TikTokShop(
        s.getString("shop-id"), s.getString("app-key"), s.getString("app-secret"), s.getString("shop-cipher"),
        s.getString("access-token"), s.hasPath("refresh-token") ? s.getString("refresh-token") : "",
        s.hasPath("region") ? s.getString("region") : "", "Sandbox shop " + s.getString("shop-id"))).toList());
    ShopeeApp shopeeApp = shopeeApp(c, shopee);
    TikTokApp tiktokApp = tiktokApp(c, tiktok);
    List<String> shopeeSellable = root.hasPath("orchestrator.sandbox.shopee.sellable-shops")
        ? root.getStringList("orchestrator.sandbox.shopee.sellable-shops") : List.of();
    for (String id : shopeeSellable) {
      if (shopee.stream().noneMatch(s -> s.shopId().equals(id))) {
        shopee.add(new ShopeeShop(id, shopeeApp.partnerId(), shopeeApp.partnerKey(), shopeeApp.pushKey(), null, null,
            shopeeApp.callbackUrl()));
      }
    }
    List<String> tiktokSellable = new ArrayList<>();
    if (root.hasPath("orchestrator.sandbox.tiktok.sellable-shops")) {
      for (Config s : root.getConfigList("orchestrator.sandbox.tiktok.sellable-shops")) {
        String id = s.getString("shop-id");
        tiktokSellable.add(id);
        String region = s.hasPath("region") ? s.getString("region") : "";
        String name = s.hasPath("name") ? s.getString("name") : "Sandbox shop " + id;
        int configured = indexOf(tiktok, id);
        if (configured < 0) {
          tiktok.add(new TikTokShop(id, tiktokApp.appKey(), tiktokApp.appSecret(), s.getString("cipher"), null, "",
              region, name));
        } else {
          // A configured shop keeps its tokens and cipher; the platform's record names it and gives its market.
          TikTokShop t = tiktok.get(configured);
          tiktok.set(configured, new TikTokShop(t.shopId(), t.appKey(), t.appSecret(), t.shopCipher(),
              t.accessToken(), t.refreshToken(), t.region().isBlank() ? region : t.region(), name));
        }
      }
    }
    return new SandboxShops(List.copyOf(shopee), List.copyOf(tiktok),
        c.getConfigList("whatsapp.numbers").stream().map(s -> new WhatsAppNumber(s.getString("phone-number-id"),
            s.getString("access-token"), s.getString("app-secret"), s.getString("verify-token"))).toList(),
        shopeeApp, tiktokApp, List.copyOf(shopeeSellable), List.copyOf(tiktokSellable),
        WhatsAppCatalogs.fromConfig(root));
  }

  /** The app section, each missing value taken from the first configured shop (older configurations have none). */
  private static ShopeeApp shopeeApp(Config c, List<ShopeeShop> shops) {
    ShopeeShop first = shops.isEmpty() ? new ShopeeShop("", 0, "", "", null, null, "") : shops.get(0);
    Config app = c.hasPath("shopee.app") ? c.getConfig("shopee.app") : com.typesafe.config.ConfigFactory.empty();
    return new ShopeeApp(app.hasPath("partner-id") ? app.getLong("partner-id") : first.partnerId(),
        string(app, "partner-key", first.partnerKey()), string(app, "push-key", first.pushKey()),
        string(app, "redirect-url", ""), string(app, "callback-url", first.callbackUrl()));
  }

  private static TikTokApp tiktokApp(Config c, List<TikTokShop> shops) {
    TikTokShop first = shops.isEmpty() ? new TikTokShop("", "", "", "", null, "", "", "") : shops.get(0);
    Config app = c.hasPath("tiktok.app") ? c.getConfig("tiktok.app") : com.typesafe.config.ConfigFactory.empty();
    return new TikTokApp(string(app, "app-key", first.appKey()), string(app, "app-secret", first.appSecret()),
        string(app, "redirect-url", ""));
  }

  private static int indexOf(List<TikTokShop> shops, String shopId) {
    for (int i = 0; i < shops.size(); i++) if (shops.get(i).shopId().equals(shopId)) return i;
    return -1;
  }

  private static String string(Config c, String path, String fallback) {
    return c.hasPath(path) ? c.getString(path) : fallback;
  }

  /** The partner key Shopee holds for a partner id: the app's, else a configured shop's. */
  Optional<String> shopeePartnerKey(long partnerId) {
    if (shopeeApp.partnerId() == partnerId) return Optional.of(shopeeApp.partnerKey());
    return shopee.stream().filter(s -> s.partnerId() == partnerId).map(ShopeeShop::partnerKey).findFirst();
  }

  Optional<ShopeeShop> shopeeShop(String shopId) {
    return shopee.stream().filter(s -> s.shopId().equals(shopId)).findFirst();
  }

  Optional<TikTokShop> tiktokShop(String shopId) {
    return tiktok.stream().filter(s -> s.shopId().equals(shopId)).findFirst();
  }

  Optional<WhatsAppNumber> whatsAppNumber(String phoneNumberId) {
    return whatsapp.stream().filter(s -> s.phoneNumberId().equals(phoneNumberId)).findFirst();
  }

  @Override
  public String toString() {
    return "SandboxShops[shopee=" + shopee.stream().map(ShopeeShop::shopId).toList() + ", tiktok="
        + tiktok.stream().map(TikTokShop::shopId).toList() + ", whatsapp="
        + whatsapp.stream().map(WhatsAppNumber::phoneNumberId).toList() + "]";
  }
}

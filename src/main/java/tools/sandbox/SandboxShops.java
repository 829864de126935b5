package tools.sandbox;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Optional;

/**
 * The shops the sandbox plays the platform for, and the secrets it issued them: read by the sandbox's own code
 * from the same {@code orchestrator.marketplaces} section the service is configured with (a real platform and
 * its app share nothing but these values), so the sandbox never relies on the client's configuration classes.
 */
record SandboxShops(List<ShopeeShop> shopee, List<TikTokShop> tiktok, List<WhatsAppNumber> whatsapp) {

  record ShopeeShop(String shopId, long partnerId, String partnerKey, String pushKey, String accessToken,
      String refreshToken, String callbackUrl) {
    /** Shopee signs pushes with a push key where one is set up, else with the partner key. */
    String effectivePushKey() {
      return pushKey == null || pushKey.isBlank() ? partnerKey : pushKey;
    }
  }

  /** @param region the shop's market: UK shops' cancel reasons carry "_uk" */
  record TikTokShop(String shopId, String appKey, String appSecret, String shopCipher, String accessToken,
      String refreshToken, String region) {}

  record WhatsAppNumber(String phoneNumberId, String accessToken, String appSecret, String verifyToken) {}

  static SandboxShops fromConfig(Config root) {
    Config c = root.getConfig("orchestrator.marketplaces");
    return new SandboxShops(
        c.getConfigList("shopee.shops").stream().map(s -> new ShopeeShop(s.getString("shop-id"),
            s.getLong("partner-id"), s.getString("partner-key"), s.getString("push-key"),
            s.getString("access-token"), s.getString("refresh-token"), s.getString("callback-url"))).toList(),
        c.getConfigList("tiktok.shops").stream().map(s -> new TikTokShop(s.getString("shop-id"),
            s.getString("app-key"), s.getString("app-secret"), s.getString("shop-cipher"),
            s.getString("access-token"), s.hasPath("refresh-token") ? s.getString("refresh-token") : "",
            s.hasPath("region") ? s.getString("region") : "")).toList(),
        c.getConfigList("whatsapp.numbers").stream().map(s -> new WhatsAppNumber(s.getString("phone-number-id"),
            s.getString("access-token"), s.getString("app-secret"), s.getString("verify-token"))).toList());
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

package marketplace;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MarketplaceConfigTest {

  @Test
  void defaultShopsComeFromMarketplacesConfAndPointAtTheSandbox() {
    MarketplaceConfig c = MarketplaceConfig.fromConfig(AppConfig.load());
    var shopee = c.shopeeShop("1001").orElseThrow();
    assertEquals(2001, shopee.partnerId());
    assertEquals(shopee.partnerKey(), shopee.effectivePushKey(), "push key defaults to the partner key");
    assertTrue(shopee.baseUrl().endsWith(":9090/shopee"), shopee.baseUrl());
    assertEquals("7001", c.tiktok().get(0).shopId());
    assertEquals(80, c.whatsapp().get(0).messagesPerSecond());
    assertEquals(5, c.client().maxAttempts());
    assertEquals(Duration.ofMinutes(10), c.shopeeTokenRefreshMargin());
  }

  @Test
  void overridesAndSeveralShopsAreRead() {
    MarketplaceConfig c = MarketplaceConfig.fromConfig(AppConfig.load(ConfigFactory.parseString("""
        orchestrator.marketplaces.shopee.default-shop.push-key = "live-push"
        orchestrator.marketplaces.shopee.shops = [${orchestrator.marketplaces.shopee.default-shop},
          ${orchestrator.marketplaces.shopee.default-shop} { shop-id = "1002", partner-key = "k2" }]
        """)));
    assertEquals(2, c.shopee().size());
    assertEquals("live-push", c.shopeeShop("1001").orElseThrow().effectivePushKey());
    assertEquals("k2", c.shopeeShop("1002").orElseThrow().partnerKey());
  }

  @Test
  void toStringNeverShowsSecrets() {
    MarketplaceConfig c = MarketplaceConfig.fromConfig(AppConfig.load());
    String text = c.toString();
    for (String secret : new String[] {"sandbox-shopee-partner-key", "sandbox-shopee-access-token",
        "sandbox-shopee-refresh-token", "sandbox-tiktok-app-secret", "sandbox-tiktok-access-token",
        "sandbox-whatsapp-token", "sandbox-whatsapp-app-secret", "sandbox-verify-token"}) {
      assertFalse(text.contains(secret), "leaked " + secret);
    }
    assertTrue(text.contains("1001"));
  }
}

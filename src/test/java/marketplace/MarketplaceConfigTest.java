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

  @Test
  void aWhatsAppCatalogueIsReadWhenItHasAnIdAndOnlyItsListingsReceiveStock() {
    MarketplaceConfig none = MarketplaceConfig.fromConfig(AppConfig.load());
    assertTrue(none.whatsAppCatalog().isEmpty(), "no catalogue id by default");
    assertFalse(none.receivesStock(common.Channel.WHATSAPP, "5550001"));
    assertTrue(none.receivesStock(common.Channel.SHOPEE, "1001"));
    assertFalse(none.receivesStock(common.Channel.PHONE, "x"));

    MarketplaceConfig c = MarketplaceConfig.fromConfig(AppConfig.load(ConfigFactory.parseString("""
        orchestrator.marketplaces.whatsapp.catalog { id = "880000000000001", access-token = "catalog-secret-1" }
        """)));
    var catalog = c.whatsAppCatalog("880000000000001").orElseThrow();
    assertEquals("v21.0", catalog.version());
    assertEquals(8, catalog.callsPerMinute());
    assertEquals(3000, catalog.maxItemsPerCall());
    assertEquals(Duration.ofSeconds(15), catalog.rateLimitedBackoff());
    assertTrue(catalog.baseUrl().endsWith(":9090/whatsapp"), catalog.baseUrl());
    assertTrue(c.receivesStock(common.Channel.WHATSAPP, "880000000000001"));
    assertFalse(c.receivesStock(common.Channel.WHATSAPP, "5550001"), "a number is not the catalogue");
    assertFalse(common.Channel.WHATSAPP.hasMarketplaceApi(), "orders are still neither fetched nor cancelled");
    assertFalse(c.toString().contains("catalog-secret-1"), c.toString());
    assertTrue(c.withSandboxBaseUrl("http://127.0.0.1:1234").whatsAppCatalog().orElseThrow().baseUrl()
        .equals("http://127.0.0.1:1234/whatsapp"));
  }
}

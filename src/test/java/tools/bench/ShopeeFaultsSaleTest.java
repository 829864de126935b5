package tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.MarketplaceConfig;
import org.junit.jupiter.api.Test;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * A 2,000-order flash sale on a Shopee that misbehaves as the real one does, all at once: its access tokens expire
 * every 30 s, a fifth of its stock calls are answered error_rate_limit, and a tenth of its pushes are lost (served
 * later by get_lost_push_message). Every order must end final, none lost, none oversold, every listing right, no
 * refresh token used twice; the Shopee API success rate (what its 90 % daily rule counts) is printed.
 */
class ShopeeFaultsSaleTest {

  @Test
  void aSaleThroughExpiringTokensRateLimitsAndLostPushesEndsRight() throws Exception {
    TestDatabase.reset();
    try (MarketNode market = MarketNode.start(Map.of(
        "orchestrator.marketplaces.shopee.token-refresh-margin", "5s",
        "orchestrator.marketplaces.polling.lost-push-interval", "1s",
        "orchestrator.stock-sync.retry-max", "2s"))) {
      Sandbox sandbox = market.sandbox;
      MarketplaceConfig shops = MarketplaceConfig.fromConfig(market.config);
      FlashSale sale = new FlashSale(sandbox, shops, List.of(market.url("")), TestConfig.OPERATOR_TOKEN);
      FlashSale.Plan plan = new FlashSale.Plan(2000, 0.25, 100, 5, 16, 23, "F" + System.currentTimeMillis());
      FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan, n -> { });
      sale.awaitListingsRight(market.url(""), catalogue, System.currentTimeMillis() + 120_000, 500);

      sandbox.setShopeeTokenLifetime(Duration.ofSeconds(30));
      sandbox.expireShopeeAccessToken(sale.shopeeShop());
      sandbox.injectPlatformErrorRate(Channel.SHOPEE, "/api/v2/product/", "error_rate_limit", 0.2);
      sandbox.loseShopeePushes(0.1);
      long callsBefore = sandbox.calls(Channel.SHOPEE, "/api/").size();

      Instant start = Instant.now();
      FlashSale.Result result = sale.run(plan, catalogue, n -> { });
      ObjectNode report = FlashSaleBenchmark.measure(sale, market.url(""), plan, catalogue, result, start,
          CpuUse.start(null));
      ObjectNode shopee = FlashSaleBenchmark.shopeeHealth(sandbox, callsBefore);
      System.out.println("Shopee faults sale: " + report + " shopee=" + shopee);

      assertEquals(plan.orders(), result.accepted(), "every order was accepted by its marketplace");
      assertTrue(report.path("allFinalAfterMs").asLong() > 0, "every order final: " + report);
      assertTrue(report.path("allListingsRightAfterMs").asLong() > 0, "every listing right: " + report);
      assertEquals(0, report.path("acknowledgedButLost").asLong(), "no order lost: " + report);
      assertEquals(0, report.path("oversoldUnits").asLong(), "nothing oversold: " + report);
      assertTrue(report.path("nodeHeapPeakMib").asLong() > 0, "the heap peak, read from /admin/health: " + report);
      assertTrue(shopee.path("lostPushes").asLong() > 0, "pushes were lost and recovered: " + shopee);
      // the token expired at the start and then every 30 s while calls went on (refreshed 22.5 s into its life)
      long expiries = 1 + report.path("allListingsRightAfterMs").asLong() / 30_000;
      assertTrue(shopee.path("tokensIssued").asLong() >= expiries,
          "the access token was renewed at least " + expiries + " times: " + shopee);
      assertEquals(0, shopee.path("refreshTokenReuses").asLong(), "no refresh token used twice: " + shopee);
      assertTrue(shopee.path("rateLimited").asLong() > 0, "stock calls were rate limited: " + shopee);
    }
  }
}

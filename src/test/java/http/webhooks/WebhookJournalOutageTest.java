package http.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.PrivatePostgres;
import tools.sandbox.Sandbox;

/**
 * The journal's database stops: webhooks are answered 503 (never 200 for an unrecorded order), and once it is back
 * the marketplace's retry records the order and it completes.
 */
class WebhookJournalOutageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void webhookGets503WhileTheJournalIsDownAndTheRetriedOrderCompletesAfterwards() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start();
         MarketNode market = MarketNode.start(Map.of(
             "orchestrator.db.postgres.user", "postgres", "orchestrator.db.postgres.password", "",
             "orchestrator.db.pool.connection-timeout", "1s"), pg.url())) {
      HttpResponse<String> stock = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-O/stock")))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":5}")).build());
      assertEquals(200, stock.statusCode(), stock.body());
      market.sandbox.addShopeeOrder("1001", "SN-OUTAGE", "READY_TO_SHIP",
          List.of(new Sandbox.ShopeeItem(7, 0, "SKU-O", null, 1, BigDecimal.ONE)));

      pg.stop();
      Sandbox.Delivery refused = market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1001",
          "SN-OUTAGE", "READY_TO_SHIP", Sandbox.Redelivery.ONCE).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(503, refused.status(), "never 200 for an order that was not recorded");

      // the marketplace keeps retrying (every 500 ms here); the database comes back after a few seconds
      var retried = market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1001", "SN-OUTAGE",
          "READY_TO_SHIP", new Sandbox.Redelivery(120, Duration.ofMillis(500)));
      Thread.sleep(3000);
      assertTrue(!retried.toCompletableFuture().isDone() || retried.toCompletableFuture().get().status() != 200,
          "nothing accepted while the database is down");
      long outageEnd = System.currentTimeMillis();
      pg.resume();
      Sandbox.Delivery accepted = retried.toCompletableFuture().get(90, TimeUnit.SECONDS);
      assertEquals(200, accepted.status());
      System.out.printf("journal outage: first retry accepted %d ms after the database came back (%d attempts)%n",
          System.currentTimeMillis() - outageEnd, accepted.attempts());

      long deadline = System.currentTimeMillis() + 30_000;
      String phase = null;
      while (System.currentTimeMillis() < deadline) {
        HttpResponse<String> r = Http.get(market.url("/admin/orders/shopee/1001/SN-OUTAGE"));
        if (r.statusCode() == 200) {
          phase = JSON.readTree(r.body()).get("phase").asText();
          if ("CONFIRMED".equals(phase)) break;
        }
        Thread.sleep(200);
      }
      assertEquals("CONFIRMED", phase);
    }
  }
}

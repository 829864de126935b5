package readside.stocklevels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import common.Channel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stocksync.ListingFinder;
import support.Http;
import support.TestConfig;

/** The SKUs on a Shopee item and model, found in stock_levels on the embedded default (H2: a LIKE on a CLOB). */
class StockLevelListingsH2Test {
  @TempDir Path dataDir;

  private static void put(String base, String sku, String body) {
    var r = Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/skus/" + sku + "/listings"))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    assertEquals(200, r.statusCode() / 100 * 100, r.body());
  }

  private static List<String> skus(ListingFinder finder, String shop, String item, String model) throws Exception {
    return finder.find(Channel.SHOPEE, shop, item, model).toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
        .map(ListingFinder.Found::sku).sorted().toList();
  }

  @Test
  void theSkusOfAnItemAndModelAreFound() throws Exception {
    try (Node node = Node.start(TestConfig.h2(dataDir))) {
      String base = "http://127.0.0.1:" + node.httpPort();
      put(base, "P-RED", "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"500\",\"modelId\":\"1\"}");
      put(base, "P-BLUE", "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"500\",\"modelId\":\"2\"}");
      put(base, "P-BLUE", "{\"channel\":\"tiktok\",\"shopId\":\"7001\",\"productId\":\"500\",\"skuId\":\"1\"}");
      put(base, "P-OTHER", "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"5000\",\"modelId\":\"1\"}");
      ListingFinder finder = new StockLevelListings(node.system(), infra.Database.get(node.system()));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      // the read side follows the SKU events: wait until all three SKUs are on it
      while ((skus(finder, "1001", "5000", "1").isEmpty() || skus(finder, "1001", "500", "0").size() < 2)
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(List.of("P-RED"), skus(finder, "1001", "500", "1"));
      assertEquals(List.of("P-BLUE", "P-RED"), skus(finder, "1001", "500", "0"), "model 0: the whole item");
      assertEquals(List.of("P-OTHER"), skus(finder, "1001", "5000", "1"), "item 500 is not a prefix match");
      assertTrue(skus(finder, "1002", "500", "1").isEmpty(), "another shop");
      assertTrue(skus(finder, "1001", "50%", "1").isEmpty(), "not an id: never a pattern");
    }
  }
}

package readside.stocklevels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sku.SkuEntity;
import support.Http;
import support.StockDriver;
import support.TestConfig;

/** The embedded default: a node on H2 creates stock_levels, fills it from the H2 journal and serves GET /admin/skus. */
class StockLevelsH2Test {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void embeddedNodeFillsStockLevels() throws Exception {
    List<String> skus = List.of("h-a", "h-b", "h-c", "h-d", "h-e");
    // Snapshots at least every 2 events, so the SKUs below take several and old ones must be pruned on H2 too.
    Config config = ConfigFactory.parseMap(Map.of("orchestrator.sku.snapshot-every", 2))
        .withFallback(TestConfig.h2(dataDir));
    try (Node node = Node.start(config)) {
      StockDriver driver = new StockDriver(node.system());
      driver.catalog(skus, 10);
      driver.burst(skus, "H-", 30, 4, new Random(3));
      driver.setStockAsync("h-e", 1).get();
      String base = "http://127.0.0.1:" + node.httpPort();
      Map<String, SkuEntity.Summary> truth = driver.summaries(skus);
      StockDriver.await(Duration.ofSeconds(60), () -> {
        JsonNode page = JSON.readTree(Http.get(base + "/admin/skus").body());
        List<String> differences = new ArrayList<>();
        if (page.get("total").asInt() != skus.size()) differences.add("total " + page.get("total"));
        for (JsonNode row : page.get("skus")) {
          SkuEntity.Summary s = truth.get(row.get("sku").asText());
          if (s.available() != row.get("available").asInt() || s.reserved() != row.get("reserved").asInt()
              || s.eventSeq() != row.get("lastEventSeq").asLong()) {
            differences.add(row + " vs " + s.available() + "/" + s.reserved() + "/" + s.eventSeq());
          }
        }
        return differences;
      });
      JsonNode low = JSON.readTree(Http.get(base + "/admin/skus?lowStock=true&threshold=1").body());
      List<String> expected = truth.values().stream().filter(s -> s.available() <= 1)
          .sorted(java.util.Comparator.comparingInt(SkuEntity.Summary::available).thenComparing(SkuEntity.Summary::sku))
          .map(SkuEntity.Summary::sku).toList();
      List<String> listed = new ArrayList<>();
      low.get("skus").forEach(row -> listed.add(row.get("sku").asText()));
      assertEquals(expected, listed);
      assertEquals(true, listed.contains("h-e"), "h-e has 1 available: " + listed);

      // The dashboard's "low stock first" over every SKU, and its search by part of the code.
      JsonNode lowFirst = JSON.readTree(Http.get(base + "/admin/skus?sort=available&limit=500").body());
      List<String> byAvailable = new ArrayList<>();
      lowFirst.get("skus").forEach(row -> byAvailable.add(row.get("sku").asText()));
      assertEquals(truth.values().stream()
          .sorted(java.util.Comparator.comparingInt(SkuEntity.Summary::available).thenComparing(SkuEntity.Summary::sku))
          .map(SkuEntity.Summary::sku).toList(), byAvailable);
      JsonNode searched = JSON.readTree(Http.get(base + "/admin/skus?q=H-E").body());
      assertEquals(truth.keySet().stream().filter(k -> k.contains("h-e")).count(), searched.get("total").asLong());
      searched.get("skus").forEach(row -> assertTrue(row.get("sku").asText().contains("h-e"), row.toString()));
      assertEquals(0, JSON.readTree(Http.get(base + "/admin/skus?q=h%25").body()).get("total").asInt(), "% taken literally");
      assertEquals(400, Http.get(base + "/admin/skus?sort=price").statusCode());

      for (int i = 0; i < 40; i++) driver.setStockAsync("h-a", 100 + i).get();
      StockDriver.await(Duration.ofSeconds(10), () -> {
        Map<String, Integer> rows = snapshotRows(node);
        return rows.getOrDefault("Sku|h-a", 0) == 2 && rows.values().stream().allMatch(n -> n <= 2)
            ? List.of() : List.of("snapshots per SKU (2 kept): " + rows);
      });
    }
  }

  private static Map<String, Integer> snapshotRows(Node node) throws Exception {
    return infra.Database.get(node.system()).withConnection(support.SnapshotRows::count)
        .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
  }
}

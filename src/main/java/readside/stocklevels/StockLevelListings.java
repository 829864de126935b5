package readside.stocklevels;

import akka.actor.typed.ActorSystem;
import common.Channel;
import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import sku.Listing;
import stocksync.ListingFinder;

/**
 * Finds the SKUs listed on a marketplace item from the listings {@code stock_levels} keeps per SKU (its
 * {@code detail} JSON), on the blocking JDBC dispatcher. The rows are narrowed by a text match on the item id and
 * then checked exactly; no index serves it (a scan per call), which is fine for promotion pushes, not for hot paths.
 */
public final class StockLevelListings implements ListingFinder {
  private final Database database;
  private final StockLevelStore store;

  public StockLevelListings(ActorSystem<?> system, Database database) {
    this.database = database;
    this.store = new StockLevelStore(system);
  }

  @Override
  public CompletionStage<List<Found>> find(Channel channel, String shopId, String itemId, String modelId) {
    // Shopee's ids are numbers: anything else cannot be listed, and never reaches the LIKE pattern
    if (itemId == null || !itemId.matches("[0-9]{1,20}")) return CompletableFuture.completedFuture(List.of());
    return database.withConnection(c -> {
      List<Found> found = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT sku, detail FROM stock_levels WHERE detail LIKE ?")) {
        s.setString(1, "%\"itemId\":\"" + itemId + "\"%");
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            for (Listing l : store.listings(rs.getString(2))) {
              if (l.channel() == channel && shopId.equals(l.shopId()) && itemId.equals(l.itemId())
                  && ("0".equals(modelId) || modelId.equals(l.modelId()))) {
                found.add(new Found(rs.getString(1), l));
              }
            }
          }
        }
      }
      return found;
    });
  }
}

package readside.stocklevels;

import akka.actor.typed.ActorSystem;
import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import readside.ledger.OrderRowStore;

/**
 * Queries over {@code stock_levels} for the admin API, on the blocking JDBC dispatcher. Eventually consistent (the
 * projection polls every 200 ms); the SKU entity ({@code GET /admin/skus/{sku}}) is the truth for one SKU.
 */
public final class StockLevelQueries {
  /** One SKU as the read side shows it; {@code shown} is listing key ("shopee:shop-1") to quantity. */
  public record Entry(String sku, int onHand, int reserved, int safetyStock, int available, int listings,
                      Map<String, Integer> shown, long lastEventSeq, Instant updatedAt) {}

  public record Page(long total, int offset, int limit, Integer lowStockThreshold, List<Entry> skus) {}

  private final Database database;
  private final StockLevelStore store;

  public StockLevelQueries(ActorSystem<?> system, Database database) {
    this.database = database;
    this.store = new StockLevelStore(system);
  }

  /**
   * Every SKU by code, or with {@code lowStockThreshold} only those whose available is at most it, lowest available
   * first; and how many match in all.
   */
  public CompletionStage<Page> list(Integer lowStockThreshold, int limit, int offset) {
    return list(lowStockThreshold, null, lowStockThreshold != null, limit, offset);
  }

  /**
   * As {@link #list(Integer, int, int)}, and with {@code search} only the SKUs whose code contains it (ignoring
   * case); {@code lowestFirst} orders by available (the dashboard's "low stock first") instead of by code.
   */
  public CompletionStage<Page> list(Integer lowStockThreshold, String search, boolean lowestFirst, int limit,
                                    int offset) {
    return database.withConnection(c -> {
      List<String> conditions = new ArrayList<>();
      if (lowStockThreshold != null) conditions.add("available <= ?");
      if (search != null) conditions.add("LOWER(sku) LIKE ? ESCAPE '\\'");
      String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
      String pattern = search == null ? null
          : "%" + search.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
              .replace("_", "\\_") + "%";
      long total;
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM stock_levels" + where)) {
        int p = 1;
        if (lowStockThreshold != null) s.setInt(p++, lowStockThreshold);
        if (pattern != null) s.setString(p, pattern);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      List<Entry> skus = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT sku, on_hand, reserved, safety_stock, available, listings, "
          + "shown, last_event_seq, updated_at FROM stock_levels" + where
          + (lowestFirst ? " ORDER BY available, sku" : " ORDER BY sku") + " LIMIT ? OFFSET ?")) {
        int i = 1;
        if (lowStockThreshold != null) s.setInt(i++, lowStockThreshold);
        if (pattern != null) s.setString(i++, pattern);
        s.setInt(i++, limit);
        s.setLong(i, offset);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            skus.add(new Entry(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                store.shown(rs.getString(7)), rs.getLong(8), OrderRowStore.instant(rs, 9)));
          }
        }
      }
      return new Page(total, offset, limit, lowStockThreshold, skus);
    });
  }

  /** Every SKU code the read side knows (the live board rebuilds these), in code order. */
  public CompletionStage<List<String>> allSkus() {
    return database.withConnection(c -> {
      List<String> skus = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT sku FROM stock_levels ORDER BY sku");
           ResultSet rs = s.executeQuery()) {
        while (rs.next()) skus.add(rs.getString(1));
      }
      return skus;
    });
  }
}

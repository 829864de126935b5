package readside.ledger;

import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The ledger counted per time bucket for the dashboard's sale charts, grouped in SQL (one row per bucket, channel
 * and status, never one per order). Buckets are aligned to multiples of their size since the epoch; the same
 * statement runs on PostgreSQL and H2 (both know {@code EXTRACT(EPOCH FROM ...)}).
 */
public final class OrderCharts {
  /** One bucket's count for one channel and status; {@code bucket} is the bucket's start in epoch seconds. */
  public record Count(long bucket, String channel, String status, long orders) {}

  /**
   * A marketplace order accepted for units that were gone: the seller must cancel it (rating, penalties). WhatsApp
   * and phone orders are only answered "sold out", which costs nothing, so they are not counted.
   */
  private static final String FORCED = "channel IN ('shopee', 'tiktok') AND (status = 'OUT_OF_STOCK' OR problem LIKE 'out of stock:%')";

  private final Database database;

  public OrderCharts(Database database) {
    this.database = database;
  }

  /** Orders created in [from, to) per bucket, channel and current status. */
  public CompletionStage<List<Count>> ordersPerBucket(Instant from, Instant to, int bucketSeconds) {
    return counts(from, to, bucketSeconds, "");
  }

  /** Forced cancellations among the orders created in [from, to), per bucket and channel (status "FORCED"). */
  public CompletionStage<List<Count>> forcedCancellations(Instant from, Instant to, int bucketSeconds) {
    return counts(from, to, bucketSeconds, " AND " + FORCED);
  }

  private CompletionStage<List<Count>> counts(Instant from, Instant to, int bucketSeconds, String where) {
    if (bucketSeconds < 1) throw new IllegalArgumentException("bucket must be at least 1 second");
    // The bucket size is a validated int, written into the statement so that GROUP BY repeats the very same
    // expression (a bound parameter there is a different expression to PostgreSQL).
    String bucket = "FLOOR(EXTRACT(EPOCH FROM created_at) / " + bucketSeconds + ")";
    boolean forced = !where.isEmpty();
    String sql = "SELECT " + bucket + ", channel, " + (forced ? "'FORCED'" : "status") + ", COUNT(*) FROM orders"
        + " WHERE created_at >= ? AND created_at < ?" + where
        + " GROUP BY " + bucket + ", channel" + (forced ? "" : ", status");
    return database.withConnection(c -> {
      List<Count> counts = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(sql)) {
        OrderRowStore.setInstant(s, 1, from);
        OrderRowStore.setInstant(s, 2, to);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            counts.add(new Count(rs.getLong(1) * bucketSeconds, rs.getString(2), rs.getString(3), rs.getLong(4)));
          }
        }
      }
      return counts;
    });
  }

  /** Counts as one series per (channel, status), one value per bucket from {@code firstBucket}, zeros filled. */
  public static Map<List<String>, long[]> series(List<Count> counts, long firstBucket, int bucketSeconds, int buckets) {
    Map<List<String>, long[]> series = new LinkedHashMap<>();
    counts.stream().sorted(java.util.Comparator.comparing(Count::channel).thenComparing(Count::status)).forEach(count -> {
      int i = (int) ((count.bucket() - firstBucket) / bucketSeconds);
      if (i < 0 || i >= buckets) return;
      series.computeIfAbsent(List.of(count.channel(), count.status()), k -> new long[buckets])[i] += count.orders();
    });
    return series;
  }
}

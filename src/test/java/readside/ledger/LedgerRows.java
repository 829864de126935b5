package readside.ledger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import order.OrderView;

/** Reads the ledger tables with plain SQL (independent of the code under test) and compares them to entity views. */
final class LedgerRows {
  record Row(String orderKey, String status, String marketStatus, String buyerName, String currency,
             BigDecimal totalAmount, String trackingNumber, String problem, String unmapped, Instant createdAt,
             Instant updatedAt, long lastEventSeq, Map<String, Integer> lines) {}

  private LedgerRows() {}

  static Map<String, Row> read(Connection c) throws SQLException {
    Map<String, Map<String, Integer>> lines = new HashMap<>();
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT order_key, sku, quantity FROM order_lines")) {
      while (rs.next()) lines.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getInt(3));
    }
    Map<String, Row> rows = new HashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT order_key, status, market_status, "
        + "buyer_name, currency, total_amount, tracking_number, problem, unmapped_lines, created_at, updated_at, "
        + "last_event_seq FROM orders")) {
      while (rs.next()) {
        String key = rs.getString(1);
        Row previous = rows.put(key, new Row(key, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getBigDecimal(6), rs.getString(7), rs.getString(8), rs.getString(9),
            rs.getObject(10, OffsetDateTime.class).toInstant(), rs.getObject(11, OffsetDateTime.class).toInstant(),
            rs.getLong(12), lines.getOrDefault(key, Map.of())));
        if (previous != null) throw new AssertionError("two rows for order " + key);
      }
    }
    return rows;
  }

  /** What differs between an order's row and the entity's own view; empty when they agree. */
  static List<String> differences(OrderView v, Row r) {
    List<String> d = new ArrayList<>();
    if (r == null) return List.of(v.orderKey() + ": no row");
    check(d, "status", v.phase(), r.status());
    check(d, "market_status", v.marketStatus().name(), r.marketStatus());
    check(d, "buyer_name", v.buyerName(), r.buyerName());
    check(d, "currency", v.currency(), r.currency());
    if (v.totalAmount() == null ? r.totalAmount() != null : r.totalAmount() == null
        || v.totalAmount().compareTo(r.totalAmount()) != 0) {
      d.add("total_amount " + v.totalAmount() + " vs " + r.totalAmount());
    }
    check(d, "tracking_number", v.trackingNumber(), r.trackingNumber());
    check(d, "problem", v.problem(), r.problem());
    check(d, "unmapped_lines", v.unmapped().isEmpty() ? null : String.join("\n", v.unmapped()), r.unmapped());
    check(d, "lines", new TreeMap<>(v.lines()), new TreeMap<>(r.lines()));
    // PostgreSQL keeps microseconds; the JVM clock may have more
    if (Duration.between(v.createdAt(), r.createdAt()).abs().toNanos() > 1_000) d.add("created_at");
    if (Duration.between(v.updatedAt(), r.updatedAt()).abs().toNanos() > 1_000) {
      d.add("updated_at " + v.updatedAt() + " vs " + r.updatedAt());
    }
    return d.stream().map(s -> v.orderKey() + ": " + s).toList();
  }

  private static void check(List<String> d, String what, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) d.add(what + " " + expected + " vs " + actual);
  }

  /** Polls until {@code mismatches} comes back empty; fails with the last mismatches. */
  static void await(Duration timeout, Callable<List<String>> mismatches) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> last = List.of();
    while (System.nanoTime() < deadline) {
      last = mismatches.call();
      if (last.isEmpty()) return;
      Thread.sleep(250);
    }
    throw new AssertionError("read side differs from the entities after " + timeout + " (" + last.size()
        + " differences): " + last.subList(0, Math.min(10, last.size())));
  }
}

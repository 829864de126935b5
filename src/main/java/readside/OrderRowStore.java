package readside;

import actors.Channel;
import actors.MarketStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads and writes one {@link OrderRow} with plain standard SQL that PostgreSQL and H2 both accept (unquoted names).
 * No upsert dialects: the row is read first in the same transaction, so it is known whether to INSERT or UPDATE.
 * Only one writer ever touches an order (each order's events carry one tag, and each tag's projection runs once in
 * the cluster), so read-then-write does not race.
 */
final class OrderRowStore {
  /** Text taken from marketplaces is cut to its column's size rather than failing the projection forever. */
  private static final int NAME_MAX = 512;
  private static final int PHONE_MAX = 64;
  private static final int PROBLEM_MAX = 1000;
  private static final int UNMAPPED_MAX = 4000;
  private static final int SHORT_MAX = 128;

  private static final String COLUMNS = "channel, shop_id, order_id, status, market_status, buyer_name, buyer_phone, "
      + "currency, total_amount, tracking_number, problem, unmapped_lines, created_at, updated_at, confirmed_at, "
      + "shipped_at, last_event_seq";

  private OrderRowStore() {}

  static OrderRow load(Connection c, String orderKey) throws SQLException {
    OrderRow row;
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM orders WHERE order_key = ?")) {
      s.setString(1, orderKey);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) return null;
        row = new OrderRow();
        row.orderKey = orderKey;
        row.channel = Channel.fromKey(rs.getString(1));
        row.shopId = rs.getString(2);
        row.orderId = rs.getString(3);
        row.status = rs.getString(4);
        String market = rs.getString(5);
        row.marketStatus = market == null ? null : MarketStatus.valueOf(market);
        row.buyerName = rs.getString(6);
        row.buyerPhone = rs.getString(7);
        row.currency = rs.getString(8);
        row.totalAmount = rs.getBigDecimal(9);
        row.trackingNumber = rs.getString(10);
        row.problem = rs.getString(11);
        String unmapped = rs.getString(12);
        row.unmapped = unmapped == null || unmapped.isEmpty()
            ? new ArrayList<>() : new ArrayList<>(Arrays.asList(unmapped.split("\n")));
        row.createdAt = instant(rs, 13);
        row.updatedAt = instant(rs, 14);
        row.confirmedAt = instant(rs, 15);
        row.shippedAt = instant(rs, 16);
        row.lastEventSeq = rs.getLong(17);
      }
    }
    row.lines = loadLines(c, orderKey);
    return row;
  }

  static Map<String, OrderRow.Line> loadLines(Connection c, String orderKey) throws SQLException {
    Map<String, OrderRow.Line> lines = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT sku, quantity, unit_price, line_state FROM order_lines WHERE order_key = ?")) {
      s.setString(1, orderKey);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          lines.put(rs.getString(1), new OrderRow.Line(rs.getInt(2), rs.getBigDecimal(3),
              OrderRow.LineState.valueOf(rs.getString(4))));
        }
      }
    }
    return lines;
  }

  /** Writes {@code after}; {@code before} (null for a new order) says which lines changed. */
  static void save(Connection c, OrderRow before, OrderRow after) throws SQLException {
    String sql = before == null
        ? "INSERT INTO orders (" + COLUMNS + ", order_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        : "UPDATE orders SET channel = ?, shop_id = ?, order_id = ?, status = ?, market_status = ?, buyer_name = ?, "
            + "buyer_phone = ?, currency = ?, total_amount = ?, tracking_number = ?, problem = ?, unmapped_lines = ?, "
            + "created_at = ?, updated_at = ?, confirmed_at = ?, shipped_at = ?, last_event_seq = ? "
            + "WHERE order_key = ?";
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, after.channel.key());
      s.setString(2, after.shopId);
      s.setString(3, after.orderId);
      s.setString(4, after.status);
      s.setString(5, after.marketStatus == null ? null : after.marketStatus.name());
      s.setString(6, cut(after.buyerName, NAME_MAX));
      s.setString(7, cut(after.buyerPhone, PHONE_MAX));
      s.setString(8, cut(after.currency, 8));
      s.setBigDecimal(9, after.totalAmount);
      s.setString(10, cut(after.trackingNumber, SHORT_MAX));
      s.setString(11, cut(after.problem, PROBLEM_MAX));
      s.setString(12, after.unmapped.isEmpty() ? null : cut(String.join("\n", after.unmapped), UNMAPPED_MAX));
      setInstant(s, 13, after.createdAt);
      setInstant(s, 14, after.updatedAt);
      setInstant(s, 15, after.confirmedAt);
      setInstant(s, 16, after.shippedAt);
      s.setLong(17, after.lastEventSeq);
      s.setString(18, after.orderKey);
      if (s.executeUpdate() != 1) throw new SQLException("order row " + after.orderKey + " was not written");
    }
    saveLines(c, after.orderKey, before == null ? Map.of() : before.lines, after.lines);
  }

  private static void saveLines(Connection c, String orderKey, Map<String, OrderRow.Line> before,
                                Map<String, OrderRow.Line> after) throws SQLException {
    List<String> removed = before.keySet().stream().filter(sku -> !after.containsKey(sku)).toList();
    if (!removed.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM order_lines WHERE order_key = ? AND sku = ?")) {
        for (String sku : removed) {
          s.setString(1, orderKey);
          s.setString(2, sku);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    try (PreparedStatement insert = c.prepareStatement(
            "INSERT INTO order_lines (quantity, unit_price, line_state, order_key, sku) VALUES (?, ?, ?, ?, ?)");
         PreparedStatement update = c.prepareStatement(
            "UPDATE order_lines SET quantity = ?, unit_price = ?, line_state = ? WHERE order_key = ? AND sku = ?")) {
      boolean inserts = false;
      boolean updates = false;
      for (Map.Entry<String, OrderRow.Line> e : after.entrySet()) {
        OrderRow.Line old = before.get(e.getKey());
        if (Objects.equals(old, e.getValue())) continue;
        PreparedStatement s = old == null ? insert : update;
        s.setInt(1, e.getValue().quantity());
        s.setBigDecimal(2, e.getValue().unitPrice());
        s.setString(3, e.getValue().state().name());
        s.setString(4, orderKey);
        s.setString(5, e.getKey());
        s.addBatch();
        if (old == null) inserts = true; else updates = true;
      }
      if (inserts) insert.executeBatch();
      if (updates) update.executeBatch();
    }
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static void setInstant(PreparedStatement s, int index, Instant value) throws SQLException {
    if (value == null) s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    else s.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
  }

  private static String cut(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}

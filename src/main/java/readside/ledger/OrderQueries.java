package readside.ledger;

import akka.NotUsed;
import akka.japi.Pair;
import akka.stream.javadsl.Source;
import common.Channel;
import infra.Database;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * Queries over the order ledger for the admin API. Every call runs on the blocking JDBC dispatcher through
 * {@link Database#withConnection}; the CSV export reads page by page (keyset on created_at, order_key) so a large
 * export never holds a connection or a cursor while the client reads slowly.
 */
public final class OrderQueries {

  /**
   * What an operator filters on; every part is optional (null). The time range is on {@code created_at}, from
   * inclusive, to exclusive. {@code search} matches part of the order id, the tracking number or the buyer's name,
   * ignoring case (the dashboard's search box).
   */
  public record Filter(String status, Channel channel, String shop, Instant from, Instant to, String search) {
    public static final Filter ALL = new Filter(null, null, null, null, null, null);

    public Filter(String status, Channel channel, String shop, Instant from, Instant to) {
      this(status, channel, shop, from, to, null);
    }
  }

  public record Line(String sku, int quantity, BigDecimal unitPrice, String state) {}

  /**
   * One order as the ledger shows it. {@code channel} is the lower-case key used in URLs and filters. The buyer's
   * name and phone come from the buyer data store while it holds them (orders recorded before it from their
   * events); {@code buyerData} says what the store holds: "held until &lt;date&gt;", "erased &lt;date&gt;", or null
   * when it has nothing for the order.
   */
  public record Entry(String orderKey, String channel, String shopId, String orderId, String status,
                      String marketStatus, String buyerName, String buyerPhone, String currency,
                      BigDecimal totalAmount, String trackingNumber, String problem, List<String> unmappedLines,
                      Instant createdAt, Instant updatedAt, Instant confirmedAt, Instant shippedAt,
                      long lastEventSeq, List<Line> lines, String buyerData) {}

  /** A buyer_data row as the ledger needs it. */
  private record Buyer(String name, String phone, Instant eraseAfter, Instant erasedAt) {
    String state() {
      return erasedAt != null ? "erased " + erasedAt : "held until " + eraseAfter;
    }
  }

  public record Page(long total, int offset, int limit, List<Entry> orders) {}

  public record Summary(long total, Map<String, Long> byStatus, Map<String, Long> byChannel) {}

  private static final String SELECT = "SELECT order_key, channel, shop_id, order_id, status, market_status, "
      + "buyer_name, buyer_phone, currency, total_amount, tracking_number, problem, unmapped_lines, created_at, "
      + "updated_at, confirmed_at, shipped_at, last_event_seq FROM orders";
  private static final String ORDER_BY = " ORDER BY created_at, order_key";
  private static final String ORDER_BY_NEWEST = " ORDER BY created_at DESC, order_key DESC";

  private final Database database;
  private final int exportPageSize;

  /** @param exportPageSize rows read per query by {@link #stream} */
  public OrderQueries(Database database, int exportPageSize) {
    if (exportPageSize < 1) throw new IllegalArgumentException("export page size must be at least 1");
    this.database = database;
    this.exportPageSize = exportPageSize;
  }

  /** The orders matching {@code filter}, oldest first, and how many match in all. */
  public CompletionStage<Page> list(Filter filter, int limit, int offset) {
    return list(filter, limit, offset, false);
  }

  /** The orders matching {@code filter}, oldest or (dashboard) newest first, and how many match in all. */
  public CompletionStage<Page> list(Filter filter, int limit, int offset, boolean newestFirst) {
    return database.withConnection(c -> {
      Where where = where(filter);
      long total;
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM orders" + where.sql)) {
        where.bind(s);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      List<Entry> orders;
      try (PreparedStatement s = c.prepareStatement(SELECT + where.sql
          + (newestFirst ? ORDER_BY_NEWEST : ORDER_BY) + " LIMIT ? OFFSET ?")) {
        int next = where.bind(s);
        s.setInt(next, limit);
        s.setLong(next + 1, offset);
        orders = entries(c, s);
      }
      return new Page(total, offset, limit, orders);
    });
  }

  /** Every order matching {@code filter}, oldest first, read a page at a time as it is consumed. */
  public Source<Entry, NotUsed> stream(Filter filter) {
    return Source.unfoldAsync(Optional.<Entry>empty(), after -> page(filter, after.orElse(null))
            .thenApply(page -> page.isEmpty() ? Optional.<Pair<Optional<Entry>, List<Entry>>>empty()
                : Optional.of(Pair.create(Optional.of(page.get(page.size() - 1)), page))))
        .mapConcat(page -> page);
  }

  private CompletionStage<List<Entry>> page(Filter filter, Entry after) {
    return database.withConnection(c -> {
      Where where = where(filter);
      String sql = SELECT + where.sql
          + (after == null ? "" : (where.sql.isEmpty() ? " WHERE " : " AND ")
              + "(created_at > ? OR (created_at = ? AND order_key > ?))")
          + ORDER_BY + " LIMIT " + exportPageSize;
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int next = where.bind(s);
        if (after != null) {
          OrderRowStore.setInstant(s, next, after.createdAt());
          OrderRowStore.setInstant(s, next + 1, after.createdAt());
          s.setString(next + 2, after.orderKey());
        }
        return entries(c, s);
      }
    });
  }

  /** How many orders match {@code filter}, per status and per channel. */
  public CompletionStage<Summary> summary(Filter filter) {
    return database.withConnection(c -> {
      Where where = where(filter);
      Map<String, Long> byStatus = counts(c, "status", where);
      Map<String, Long> byChannel = counts(c, "channel", where);
      long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
      return new Summary(total, byStatus, byChannel);
    });
  }

  private static Map<String, Long> counts(Connection c, String column, Where where) throws SQLException {
    Map<String, Long> counts = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + column + ", COUNT(*) FROM orders" + where.sql + " GROUP BY " + column)) {
      where.bind(s);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
      }
    }
    return counts;
  }

  // --- SQL building

  private record Where(String sql, List<Object> values) {
    /** Binds the values from parameter 1; returns the next free parameter index. */
    int bind(PreparedStatement s) throws SQLException {
      int i = 1;
      for (Object value : values) {
        if (value instanceof Instant instant) OrderRowStore.setInstant(s, i, instant);
        else s.setString(i, (String) value);
        i++;
      }
      return i;
    }
  }

  private static Where where(Filter f) {
    List<String> conditions = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    if (f.status() != null) {
      conditions.add("status = ?");
      values.add(f.status());
    }
    if (f.channel() != null) {
      conditions.add("channel = ?");
      values.add(f.channel().key());
    }
    if (f.shop() != null) {
      conditions.add("shop_id = ?");
      values.add(f.shop());
    }
    if (f.from() != null) {
      conditions.add("created_at >= ?");
      values.add(f.from());
    }
    if (f.to() != null) {
      conditions.add("created_at < ?");
      values.add(f.to());
    }
    if (f.search() != null) {
      conditions.add("(LOWER(order_id) LIKE ? ESCAPE '\\' OR LOWER(tracking_number) LIKE ? ESCAPE '\\' "
          + "OR LOWER(buyer_name) LIKE ? ESCAPE '\\')");
      String pattern = "%" + likeEscaped(f.search().toLowerCase(Locale.ROOT)) + "%";
      values.add(pattern);
      values.add(pattern);
      values.add(pattern);
    }
    String sql = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    return new Where(sql, values);
  }

  /** The text with LIKE's wildcards taken literally. */
  static String likeEscaped(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  private static List<Entry> entries(Connection c, PreparedStatement s) throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rows.add(new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getBigDecimal(10),
            rs.getString(11), rs.getString(12), rs.getString(13), OrderRowStore.instant(rs, 14),
            OrderRowStore.instant(rs, 15), OrderRowStore.instant(rs, 16), OrderRowStore.instant(rs, 17),
            rs.getLong(18)});
      }
    }
    if (rows.isEmpty()) return List.of();
    List<String> keys = rows.stream().map(r -> (String) r[0]).toList();
    Map<String, List<Line>> lines = lines(c, keys);
    Map<String, Buyer> buyers = buyers(c, keys);
    List<Entry> entries = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      String unmapped = (String) r[12];
      Buyer buyer = buyers.get((String) r[0]);
      String name = r[6] != null || buyer == null ? (String) r[6] : buyer.name();
      String phone = r[7] != null || buyer == null ? (String) r[7] : buyer.phone();
      entries.add(new Entry((String) r[0], (String) r[1], (String) r[2], (String) r[3], (String) r[4],
          (String) r[5], name, phone, (String) r[8], (BigDecimal) r[9], (String) r[10],
          (String) r[11], unmapped == null || unmapped.isEmpty() ? List.of() : List.of(unmapped.split("\n")),
          (Instant) r[13], (Instant) r[14], (Instant) r[15], (Instant) r[16], (Long) r[17],
          lines.getOrDefault((String) r[0], List.of()), buyer == null ? null : buyer.state()));
    }
    return entries;
  }

  private static Map<String, Buyer> buyers(Connection c, List<String> orderKeys) throws SQLException {
    Map<String, Buyer> buyers = new HashMap<>();
    String marks = String.join(", ", Collections.nCopies(orderKeys.size(), "?"));
    try (PreparedStatement s = c.prepareStatement("SELECT order_key, buyer_name, buyer_phone, erase_after, erased_at "
        + "FROM buyer_data WHERE order_key IN (" + marks + ")")) {
      for (int i = 0; i < orderKeys.size(); i++) s.setString(i + 1, orderKeys.get(i));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          buyers.put(rs.getString(1), new Buyer(rs.getString(2), rs.getString(3), OrderRowStore.instant(rs, 4),
              OrderRowStore.instant(rs, 5)));
        }
      }
    }
    return buyers;
  }

  private static Map<String, List<Line>> lines(Connection c, List<String> orderKeys) throws SQLException {
    Map<String, List<Line>> lines = new HashMap<>();
    String marks = String.join(", ", Collections.nCopies(orderKeys.size(), "?"));
    try (PreparedStatement s = c.prepareStatement("SELECT order_key, sku, quantity, unit_price, line_state "
        + "FROM order_lines WHERE order_key IN (" + marks + ") ORDER BY order_key, sku")) {
      for (int i = 0; i < orderKeys.size(); i++) s.setString(i + 1, orderKeys.get(i));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          lines.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(new Line(rs.getString(2), rs.getInt(3), rs.getBigDecimal(4), rs.getString(5)));
        }
      }
    }
    return lines;
  }
}

package marketplace.stock;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.fasterxml.jackson.annotation.JsonInclude;
import infra.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The {@code listing_sync} table: per SKU listing, the last stock value pushed, when, whether the marketplace
 * acknowledged it, the last error and the attempts for the current value. Every call runs on the blocking JDBC
 * dispatcher ({@link Database#withConnection}). Upserts are UPDATE-then-INSERT so the same SQL runs on PostgreSQL
 * and H2; each shop adapter chains its own writes, and a listing belongs to one shop adapter, so one row never has
 * two writers at once.
 */
public final class ListingSyncStore implements Extension {

  public static final class Id extends ExtensionId<ListingSyncStore> {
    private static final Id INSTANCE = new Id();

    @Override
    public ListingSyncStore createExtension(ActorSystem<?> system) {
      return new ListingSyncStore(Database.get(system));
    }
  }

  public static ListingSyncStore get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /**
   * One listing's sync status. {@code lastValue} is null when nothing was pushed yet.
   *
   * @param failureClass the error class of the last failure (null when acknowledged, unclassified or older rows)
   * @param handling what happens next to a failed value: retrying, failed (max-retries reached), blocked (until a
   *     change or push now), paused (the shop's pause); null when acknowledged or in older rows
   */
  public record Row(String listingKey, String sku, String channel, String shopId, Integer lastValue, long lastEventSeq,
                    Instant pushedAt, boolean acknowledged, String lastError, int attempts, Instant updatedAt,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String failureClass,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String handling) {
    public Row(String listingKey, String sku, String channel, String shopId, Integer lastValue, long lastEventSeq,
        Instant pushedAt, boolean acknowledged, String lastError, int attempts, Instant updatedAt) {
      this(listingKey, sku, channel, shopId, lastValue, lastEventSeq, pushedAt, acknowledged, lastError, attempts,
          updatedAt, null, null);
    }

    public Row classified(String failureClass, String handling) {
      return new Row(listingKey, sku, channel, shopId, lastValue, lastEventSeq, pushedAt, acknowledged, lastError,
          attempts, updatedAt, failureClass, handling);
    }

    public boolean blocked() {
      return "blocked".equals(handling);
    }
  }

  private static final String COLUMNS = "listing_key, sku, channel, shop_id, last_value, last_event_seq, pushed_at, "
      + "acknowledged, last_error, attempts, updated_at, failure_class, handling";
  private static final int MAX_ERROR = 1000;

  private final Database database;

  private ListingSyncStore(Database database) {
    this.database = database;
  }

  /** Writes the rows in one connection, in order. */
  public CompletionStage<Done> save(List<Row> rows) {
    List<Row> copy = List.copyOf(rows);
    return database.withConnection(c -> {
      for (Row row : copy) upsert(c, row);
      return Done.getInstance();
    });
  }

  public CompletionStage<List<Row>> forSku(String sku) {
    return database.withConnection(c -> query(c, "SELECT " + COLUMNS + " FROM listing_sync WHERE sku = ? ORDER BY listing_key",
        ps -> ps.setString(1, sku)));
  }

  /** Listings whose last push failed (not acknowledged, with an error), most recently updated first. */
  public CompletionStage<List<Row>> failing(int limit) {
    return database.withConnection(c -> query(c, "SELECT " + COLUMNS + " FROM listing_sync WHERE acknowledged = FALSE "
        + "AND last_error IS NOT NULL ORDER BY updated_at DESC, listing_key LIMIT ?", ps -> ps.setInt(1, limit)));
  }

  /** Every SKU that has a listing row (the reconciler's work list). */
  public CompletionStage<List<String>> skus() {
    return database.withConnection(c -> {
      List<String> skus = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT sku FROM listing_sync ORDER BY sku");
           ResultSet rs = ps.executeQuery()) {
        while (rs.next()) skus.add(rs.getString(1));
      }
      return skus;
    });
  }

  private static void upsert(Connection c, Row row) throws SQLException {
    try (PreparedStatement update = c.prepareStatement("UPDATE listing_sync SET sku = ?, channel = ?, shop_id = ?, "
        + "last_value = ?, last_event_seq = ?, pushed_at = ?, acknowledged = ?, last_error = ?, attempts = ?, "
        + "updated_at = ?, failure_class = ?, handling = ? WHERE listing_key = ?")) {
      int i = bind(update, row, 1);
      update.setString(i, row.listingKey());
      if (update.executeUpdate() > 0) return;
    }
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO listing_sync (sku, channel, shop_id, last_value, "
        + "last_event_seq, pushed_at, acknowledged, last_error, attempts, updated_at, failure_class, handling, "
        + "listing_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      int i = bind(insert, row, 1);
      insert.setString(i, row.listingKey());
      insert.executeUpdate();
    }
  }

  private static int bind(PreparedStatement ps, Row row, int i) throws SQLException {
    ps.setString(i++, row.sku());
    ps.setString(i++, row.channel());
    ps.setString(i++, row.shopId());
    if (row.lastValue() == null) ps.setNull(i++, Types.INTEGER); else ps.setInt(i++, row.lastValue());
    ps.setLong(i++, row.lastEventSeq());
    ps.setTimestamp(i++, row.pushedAt() == null ? null : Timestamp.from(row.pushedAt()));
    ps.setBoolean(i++, row.acknowledged());
    String error = row.lastError();
    ps.setString(i++, error == null ? null : error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error);
    ps.setInt(i++, row.attempts());
    ps.setTimestamp(i++, Timestamp.from(row.updatedAt() == null ? Instant.now() : row.updatedAt()));
    ps.setString(i++, row.failureClass());
    ps.setString(i++, row.handling());
    return i;
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private static List<Row> query(Connection c, String sql, Binder binder) throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int value = rs.getInt("last_value");
          Integer lastValue = rs.wasNull() ? null : value;
          Timestamp pushed = rs.getTimestamp("pushed_at");
          rows.add(new Row(rs.getString("listing_key"), rs.getString("sku"), rs.getString("channel"),
              rs.getString("shop_id"), lastValue, rs.getLong("last_event_seq"),
              pushed == null ? null : pushed.toInstant(), rs.getBoolean("acknowledged"), rs.getString("last_error"),
              rs.getInt("attempts"), rs.getTimestamp("updated_at").toInstant(), rs.getString("failure_class"),
              rs.getString("handling")));
        }
      }
    }
    return rows;
  }
}

package readside.stocklevels;

import akka.actor.typed.ActorSystem;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import readside.GroupedRows;
import readside.RowBatches;
import readside.ledger.OrderRowStore;
import sku.Listing;
import sku.PushRules;

/**
 * Reads and writes a group's {@code stock_levels} rows, batched, with standard SQL that PostgreSQL and H2 both accept.
 * The rows are read first in the projection's transaction, so it is known whether to INSERT or UPDATE; one writer
 * per SKU (its tag's projection) means read-then-write does not race. Listings and push rules travel as JSON in
 * {@code detail}.
 */
final class StockLevelStore {
  /** What the next event needs besides the numbers: the listings and the push rules. */
  record Detail(List<Listing> listings, PushRules pushRules) {}

  record Row(String sku, StockLevels levels, long lastEventSeq, Instant updatedAt) {}

  private static final TypeReference<Map<String, Integer>> SHOWN = new TypeReference<>() {};

  private final ObjectMapper json;

  StockLevelStore(ActorSystem<?> system) {
    this.json = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
        .getOrCreate("jackson-json", Optional.empty());
  }

  /** The rows of the SKUs in {@code skus} that exist: one statement per 100 SKUs. */
  Map<String, Row> loadAll(Connection c, List<String> skus) throws SQLException {
    Map<String, Row> rows = new HashMap<>();
    RowBatches.readInChunks(skus, (keys, keyIn) -> {
      try (PreparedStatement s = c.prepareStatement("SELECT sku, on_hand, reserved, safety_stock, detail, "
          + "last_event_seq, updated_at FROM stock_levels WHERE sku" + keyIn)) {
        RowBatches.bindKeys(s, keys);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            Detail detail = read(rs.getString(5), Detail.class);
            String sku = rs.getString(1);
            rows.put(sku, new Row(sku, new StockLevels(true, rs.getInt(2), rs.getInt(3), rs.getInt(4),
                detail.listings(), detail.pushRules()), rs.getLong(6), OrderRowStore.instant(rs, 7)));
          }
        }
      }
    });
    return rows;
  }

  /** Writes the changed rows ({@code before} null: a new SKU) as one batch of inserts and one of updates. */
  void saveAll(Connection c, List<GroupedRows.Change<Row>> changes) throws SQLException {
    RowBatches.insertOrUpdate(c, changes,
        "INSERT INTO stock_levels (on_hand, reserved, safety_stock, available, listings, shown, detail, "
            + "last_event_seq, updated_at, sku) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "UPDATE stock_levels SET on_hand = ?, reserved = ?, safety_stock = ?, available = ?, listings = ?, shown = ?, "
            + "detail = ?, last_event_seq = ?, updated_at = ? WHERE sku = ?",
        this::bind, Row::sku, "stock level row");
  }

  private void bind(PreparedStatement s, Row row) throws SQLException {
    StockLevels l = row.levels();
    s.setInt(1, l.onHand());
    s.setInt(2, l.reserved());
    s.setInt(3, l.safetyStock());
    s.setInt(4, l.available());
    s.setInt(5, l.listings().size());
    s.setString(6, write(l.shown()));
    s.setString(7, write(new Detail(l.listings(), l.pushRules())));
    s.setLong(8, row.lastEventSeq());
    OrderRowStore.setInstant(s, 9, row.updatedAt());
    s.setString(10, row.sku());
  }

  /** The listings in a row's {@code detail} JSON. */
  List<sku.Listing> listings(String detail) throws SQLException {
    return read(detail, Detail.class).listings();
  }

  Map<String, Integer> shown(String text) throws SQLException {
    return read(text, SHOWN);
  }

  private String write(Object value) throws SQLException {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot write stock level JSON: " + e.getMessage(), e);
    }
  }

  private <T> T read(String text, Class<T> type) throws SQLException {
    try {
      return json.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new SQLException("unreadable stock level JSON: " + e.getMessage(), e);
    }
  }

  private <T> T read(String text, TypeReference<T> type) throws SQLException {
    try {
      return json.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new SQLException("unreadable stock level JSON: " + e.getMessage(), e);
    }
  }
}

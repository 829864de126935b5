package readside;

import actors.SkuEntity;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes one {@code stock_levels} row with standard SQL that PostgreSQL and H2 both accept. The row is read
 * first in the projection's transaction, so it is known whether to INSERT or UPDATE; one writer per SKU (its tag's
 * projection) means read-then-write does not race. Listings and push rules travel as JSON in {@code detail}.
 */
final class StockLevelStore {
  /** What the next event needs besides the numbers: the listings and the push rules. */
  record Detail(List<SkuEntity.Listing> listings, SkuEntity.PushRules pushRules) {}

  record Row(String sku, SkuEntity.Levels levels, long lastEventSeq, Instant updatedAt) {}

  private static final TypeReference<Map<String, Integer>> SHOWN = new TypeReference<>() {};

  private final ObjectMapper json;

  StockLevelStore(ActorSystem<?> system) {
    this.json = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
        .getOrCreate("jackson-json", Optional.empty());
  }

  Row load(Connection c, String sku) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT on_hand, reserved, safety_stock, detail, last_event_seq, updated_at FROM stock_levels WHERE sku = ?")) {
      s.setString(1, sku);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) return null;
        Detail detail = read(rs.getString(4), Detail.class);
        return new Row(sku, new SkuEntity.Levels(true, rs.getInt(1), rs.getInt(2), rs.getInt(3), detail.listings(),
            detail.pushRules()), rs.getLong(5), OrderRowStore.instant(rs, 6));
      }
    }
  }

  void save(Connection c, boolean exists, Row row) throws SQLException {
    String sql = exists
        ? "UPDATE stock_levels SET on_hand = ?, reserved = ?, safety_stock = ?, available = ?, listings = ?, shown = ?, "
            + "detail = ?, last_event_seq = ?, updated_at = ? WHERE sku = ?"
        : "INSERT INTO stock_levels (on_hand, reserved, safety_stock, available, listings, shown, detail, "
            + "last_event_seq, updated_at, sku) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    SkuEntity.Levels l = row.levels();
    try (PreparedStatement s = c.prepareStatement(sql)) {
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
      if (s.executeUpdate() != 1) throw new SQLException("stock level row " + row.sku() + " was not written");
    }
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

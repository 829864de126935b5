package marketplace.connection;

import common.Channel;
import infra.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import marketplace.ShopConnectionStatus;

/**
 * The {@code shop_connections} table: each shop's connection status as its entity last recorded it (written after
 * every event, keyed by the event's sequence number so a late write never overwrites a newer one). No secrets.
 * JDBC runs on the database's blocking dispatcher.
 */
final class ShopConnectionTable {
  private static final String COLUMNS = "state, shop_cipher, region, shop_name, access_expires_at, "
      + "refresh_expires_at, authorisation_expires_at, last_refresh_at, last_refresh_outcome, reason, source, updated_at";

  private final Database database;

  ShopConnectionTable(Database database) {
    this.database = database;
  }

  CompletionStage<Void> write(ShopConnectionStatus s, long seq) {
    return database.withConnection(c -> {
      try (PreparedStatement update = c.prepareStatement("UPDATE shop_connections SET seq = ?, state = ?, "
          + "shop_cipher = ?, region = ?, shop_name = ?, access_expires_at = ?, refresh_expires_at = ?, "
          + "authorisation_expires_at = ?, last_refresh_at = ?, last_refresh_outcome = ?, reason = ?, source = ?, "
          + "updated_at = ? WHERE channel = ? AND shop_id = ? AND seq <= ?")) {
        update.setLong(1, seq);
        bind(update, 2, s);
        update.setString(14, s.channel().key());
        update.setString(15, s.shopId());
        update.setLong(16, seq);
        if (update.executeUpdate() > 0) return null;
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO shop_connections (channel, shop_id, seq, "
          + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, s.channel().key());
        insert.setString(2, s.shopId());
        insert.setLong(3, seq);
        bind(insert, 4, s);
        insert.executeUpdate();
      } catch (SQLException e) {
        if (!exists(c, s)) throw e; // a newer write got there first: it stays
      }
      return null;
    });
  }

  private static boolean exists(Connection c, ShopConnectionStatus s) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM shop_connections WHERE channel = ? AND shop_id = ?")) {
      q.setString(1, s.channel().key());
      q.setString(2, s.shopId());
      try (ResultSet rs = q.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void bind(PreparedStatement p, int from, ShopConnectionStatus s) throws SQLException {
    p.setString(from, s.state());
    p.setString(from + 1, s.shopCipher());
    p.setString(from + 2, s.region());
    p.setString(from + 3, s.shopName());
    millis(p, from + 4, s.accessExpiresAt());
    millis(p, from + 5, s.refreshExpiresAt());
    millis(p, from + 6, s.authorisationExpiresAt());
    millis(p, from + 7, s.lastRefreshAt());
    p.setString(from + 8, s.lastRefreshOutcome());
    p.setString(from + 9, s.reason() == null ? null : s.reason().substring(0, Math.min(1000, s.reason().length())));
    p.setString(from + 10, s.source());
    p.setLong(from + 11, s.updatedAt().toEpochMilli());
  }

  private static void millis(PreparedStatement p, int i, Instant at) throws SQLException {
    if (at == null) p.setNull(i, Types.BIGINT);
    else p.setLong(i, at.toEpochMilli());
  }

  CompletionStage<List<ShopConnectionStatus>> all() {
    return database.withConnection(c -> {
      List<ShopConnectionStatus> rows = new ArrayList<>();
      try (PreparedStatement q = c.prepareStatement("SELECT channel, shop_id, " + COLUMNS
          + " FROM shop_connections ORDER BY channel, shop_id");
           ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          Channel channel = Channel.fromKey(rs.getString(1));
          if (channel == null) continue;
          rows.add(new ShopConnectionStatus(channel, rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), instant(rs, 7), instant(rs, 8), instant(rs, 9), instant(rs, 10),
              rs.getString(11), rs.getString(12), rs.getString(13), instant(rs, 14)));
        }
      }
      return List.copyOf(rows);
    });
  }

  private static Instant instant(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }
}

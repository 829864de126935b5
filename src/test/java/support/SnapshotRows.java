package support;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/** Snapshot rows per persistence id, on PostgreSQL or H2 (quoted lower-case names suit both schemas in db/migration/). */
public final class SnapshotRows {
  private SnapshotRows() {}

  public static Map<String, Integer> count(Connection c) throws SQLException {
    Map<String, Integer> rows = new TreeMap<>();
    try (var s = c.createStatement();
         var rs = s.executeQuery("SELECT \"persistence_id\", count(*) FROM \"snapshot\" GROUP BY \"persistence_id\"")) {
      while (rs.next()) rows.put(rs.getString(1), rs.getInt(2));
    }
    return rows;
  }
}

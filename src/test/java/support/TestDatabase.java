package support;

import infra.SchemaMigrator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The real PostgreSQL the tests run against (scripts/test.sh creates it fresh). Never a mock: the journal, the
 * read side and the fault tests all need the real thing.
 */
public final class TestDatabase {
  public static final String URL = env("ORCH_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orchestrator_test");
  public static final String USER = env("ORCH_TEST_DB_USER", "orchestrator_test");
  public static final String PASSWORD = env("ORCH_TEST_DB_PASSWORD", "orchestrator_test");

  private TestDatabase() {}

  public static Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, USER, PASSWORD);
  }

  /**
   * Migrates the schema and empties every table but Flyway's history, so each test class starts from a clean
   * journal.
   */
  public static void reset() {
    try (Connection c = connect()) {
      SchemaMigrator.migrate(URL, USER, PASSWORD, "postgres");
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          String table = rs.getString("TABLE_NAME");
          if (!table.equals(SchemaMigrator.HISTORY_TABLE)) tables.add(table);
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("TRUNCATE " + String.join(", ", tables) + " RESTART IDENTITY CASCADE");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Test PostgreSQL not reachable at " + URL
          + " (run scripts/test.sh, which starts it): " + e.getMessage(), e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

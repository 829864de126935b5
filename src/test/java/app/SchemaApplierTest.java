package app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import support.TestDatabase;

/** The ddl/ scripts create the whole schema on an empty PostgreSQL database and can be applied again. */
class SchemaApplierTest {

  @Test
  void appliesToAnEmptyPostgresSchemaIdempotently() throws Exception {
    try (Connection admin = TestDatabase.connect(); Statement s = admin.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS schema_check CASCADE");
      s.execute("CREATE SCHEMA schema_check");
    }
    String url = TestDatabase.URL + (TestDatabase.URL.contains("?") ? "&" : "?") + "currentSchema=schema_check";
    try (Connection c = DriverManager.getConnection(url, TestDatabase.USER, TestDatabase.PASSWORD)) {
      int first = SchemaApplier.apply(c, "ddl/postgres");
      int second = SchemaApplier.apply(c, "ddl/postgres");
      assertEquals(first, second);
      Set<String> tables = names(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'schema_check'");
      assertTrue(tables.containsAll(Set.of("event_journal", "event_tag", "snapshot",
          "akka_projection_offset_store", "akka_projection_management")), tables.toString());
      Set<String> indexes = names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'schema_check'");
      assertTrue(indexes.contains("event_tag_tag_event_id_idx"), indexes.toString());
    } finally {
      try (Connection admin = TestDatabase.connect(); Statement s = admin.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS schema_check CASCADE");
      }
    }
  }

  @Test
  void splitsScriptsIntoStatementsAndSkipsComments() {
    assertEquals(2, SchemaApplier.statements("-- note\nCREATE TABLE a (x INT);\n\nCREATE INDEX i\n  ON a (x);\n").size());
    assertEquals("CREATE INDEX i\n  ON a (x)",
        SchemaApplier.statements("CREATE TABLE a (x INT);\nCREATE INDEX i\n  ON a (x);").get(1));
  }

  private static Set<String> names(Connection c, String sql) throws Exception {
    Set<String> names = new HashSet<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) names.add(rs.getString(1));
    }
    return names;
  }
}

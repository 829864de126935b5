package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  private static final String OLD_TAG_INDEX = "event_tag_tag_event_id_idx";

  private static final String EVENTS_BY_TAG = "select x2.x3, x2.x4, x2.x5, x2.x6, x2.x7, x2.x8, x2.x9, x2.x10, x2.x11, "
      + "x2.x12, x2.x13, x2.x14, x2.x15 from (select \"deleted\" as x4, \"meta_ser_id\" as x14, "
      + "\"meta_ser_manifest\" as x15, \"sequence_number\" as x6, \"writer\" as x7, \"event_ser_manifest\" as x12, "
      + "\"write_timestamp\" as x8, \"persistence_id\" as x5, \"adapter_manifest\" as x9, \"ordering\" as x3, "
      + "\"event_payload\" as x10, \"event_ser_id\" as x11, \"meta_payload\" as x13 from \"event_journal\" "
      + "where \"deleted\" = false) x2, \"event_tag\" x16 where ((x16.\"tag\" = $1) and ((x2.x3 > $2) and "
      + "(x2.x3 <= $3))) and (x2.x3 = x16.\"event_id\") order by x2.x3 limit $4";

  @Test
  void appliesToAnEmptyPostgresSchemaIdempotently() throws Exception {
    try (Connection c = emptySchema("schema_check")) {
      int first = SchemaApplier.apply(c, "ddl/postgres");
      int second = SchemaApplier.apply(c, "ddl/postgres");
      assertEquals(first, second);
      Set<String> tables = names(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'schema_check'");
      assertTrue(tables.containsAll(Set.of("event_journal", "event_tag", "snapshot",
          "akka_projection_offset_store", "akka_projection_management")), tables.toString());
      Set<String> indexes = names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'schema_check'");
      assertTrue(indexes.containsAll(Set.of("event_tag_pkey", "event_journal_ordering_idx")), indexes.toString());
      assertFalse(indexes.contains(OLD_TAG_INDEX), indexes.toString());

      // a database from before 009 has the (tag, event_id) index: applying the scripts drops it
      try (Statement s = c.createStatement()) {
        s.execute("CREATE INDEX " + OLD_TAG_INDEX + " ON event_tag (tag, event_id)");
      }
      SchemaApplier.apply(c, "ddl/postgres");
      assertFalse(names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'schema_check'")
          .contains(OLD_TAG_INDEX));
    } finally {
      dropSchema("schema_check");
    }
  }

  /**
   * The read journal's eventsByTag statement (akka-persistence-jdbc 5.2.1, as logged by pg_stat_statements) is
   * prepared, so PostgreSQL soon plans it once for every offset. That generic plan must walk the ordering range and
   * probe event_tag's primary key, not read a tag's entries from the first one (009_event_tag_index.sql).
   */
  @Test
  void eventsByTagGenericPlanWalksTheOrderingRange() throws Exception {
    try (Connection c = emptySchema("plan_check"); Statement s = c.createStatement()) {
      SchemaApplier.apply(c, "ddl/postgres");
      // 40,000 events over 200 entities, each with one of 8 tags (as 4 order and 4 SKU tags)
      s.execute("INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id, "
          + "event_ser_manifest, event_payload) SELECT 'E|' || (i % 200), i / 200 + 1, 'w', 1, 'm', '\\x00' "
          + "FROM generate_series(0, 39999) i");
      s.execute("INSERT INTO event_tag (event_id, tag) SELECT ordering, 'tag-' || (ordering % 8) FROM event_journal");
      s.execute("ANALYZE event_journal");
      s.execute("ANALYZE event_tag");
      s.execute("SET plan_cache_mode = force_generic_plan");
      s.execute("PREPARE events_by_tag(varchar, bigint, bigint, bigint) AS " + EVENTS_BY_TAG);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE events_by_tag('tag-3', 39000, 39300, 1000)")) {
        while (rs.next()) plan.append(rs.getString(1)).append('\n');
      }
      assertTrue(plan.toString().contains("event_tag_pkey"), plan.toString());
      assertFalse(plan.toString().contains("Merge Join"), plan.toString());
    } finally {
      dropSchema("plan_check");
    }
  }

  @Test
  void splitsScriptsIntoStatementsAndSkipsComments() {
    assertEquals(2, SchemaApplier.statements("-- note\nCREATE TABLE a (x INT);\n\nCREATE INDEX i\n  ON a (x);\n").size());
    assertEquals("CREATE INDEX i\n  ON a (x)",
        SchemaApplier.statements("CREATE TABLE a (x INT);\nCREATE INDEX i\n  ON a (x);").get(1));
  }

  /** A connection whose default schema is {@code schema}, new and empty. */
  private static Connection emptySchema(String schema) throws Exception {
    dropSchema(schema);
    try (Connection admin = TestDatabase.connect(); Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    String url = TestDatabase.URL + (TestDatabase.URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    return DriverManager.getConnection(url, TestDatabase.USER, TestDatabase.PASSWORD);
  }

  private static void dropSchema(String schema) throws Exception {
    try (Connection admin = TestDatabase.connect(); Statement s = admin.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static Set<String> names(Connection c, String sql) throws Exception {
    Set<String> names = new HashSet<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) names.add(rs.getString(1));
    }
    return names;
  }
}

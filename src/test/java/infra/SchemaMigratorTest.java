package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;
import support.LegacySchemaApplier;
import support.TestDatabase;

/**
 * Flyway migrations on the real PostgreSQL (and the embedded H2): a database made by the ddl/ scripts before Flyway
 * is baselined at 1 with its data, a fresh one gets V1 from scratch, a second run does nothing. The later version is
 * the test-only {@code db/migration-test/<profile>/V3__test_only_note.sql}, not idempotent on purpose.
 */
class SchemaMigratorTest {

  private static final String TEST_V2 = "classpath:db/migration-test/postgres";
  private static final String TEST_ONLY_APPLIED = "3 (test only note)";
  private static final String V2_APPLIED = "2 (order pending)";
  private static final String OLD_TAG_INDEX = "event_tag_tag_event_id_idx";

  private static final String EVENTS_BY_TAG = "select x2.x3, x2.x4, x2.x5, x2.x6, x2.x7, x2.x8, x2.x9, x2.x10, x2.x11, "
      + "x2.x12, x2.x13, x2.x14, x2.x15 from (select \"deleted\" as x4, \"meta_ser_id\" as x14, "
      + "\"meta_ser_manifest\" as x15, \"sequence_number\" as x6, \"writer\" as x7, \"event_ser_manifest\" as x12, "
      + "\"write_timestamp\" as x8, \"persistence_id\" as x5, \"adapter_manifest\" as x9, \"ordering\" as x3, "
      + "\"event_payload\" as x10, \"event_ser_id\" as x11, \"meta_payload\" as x13 from \"event_journal\" "
      + "where \"deleted\" = false) x2, \"event_tag\" x16 where ((x16.\"tag\" = $1) and ((x2.x3 > $2) and "
      + "(x2.x3 <= $3))) and (x2.x3 = x16.\"event_id\") order by x2.x3 limit $4";

  @Test
  void freshDatabaseMigratesFromZeroAndASecondRunIsANoOp() throws Exception {
    try (Connection c = emptySchema("flyway_fresh")) {
      SchemaMigrator.Outcome first = migrate("flyway_fresh");
      assertFalse(first.baselined());
      assertEquals(List.of("1 (baseline)", V2_APPLIED, TEST_ONLY_APPLIED), first.applied());
      assertEquals("3", first.version());
      Set<String> tables = names(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'flyway_fresh'");
      assertTrue(tables.containsAll(Set.of("event_journal", "event_tag", "snapshot", "akka_projection_offset_store",
          "akka_projection_management", "orders", "order_lines", "inbound_messages", "outbound_messages",
          "listing_sync", "stock_levels", "buyer_data", "shop_connections", "connect_states",
          SchemaMigrator.HISTORY_TABLE)), tables.toString());
      Set<String> indexes = names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'flyway_fresh'");
      assertTrue(indexes.containsAll(Set.of("event_tag_pkey", "event_journal_ordering_idx")), indexes.toString());
      assertFalse(indexes.contains(OLD_TAG_INDEX), indexes.toString());

      // the non-idempotent V2 ran once; running again applies nothing and changes no history row
      List<String> history = history(c, "flyway_fresh");
      assertEquals(List.of("1 SQL baseline true", "2 SQL order pending true", "3 SQL test only note true"), history);
      SchemaMigrator.Outcome second = migrate("flyway_fresh");
      assertFalse(second.baselined());
      assertEquals(List.of(), second.applied());
      assertEquals("3", second.version());
      assertEquals(history, history(c, "flyway_fresh"));
    } finally {
      dropSchema("flyway_fresh");
    }
  }

  /**
   * A database exactly as a node of the previous release left it (the frozen ddl/ scripts, applied by the old
   * applier), holding a journal row and read-side rows, and still carrying the (tag, event_id) index of databases
   * from before 009: baselined at 1, completed, V2 applied, the data untouched, and the schema the same as a fresh
   * database's.
   */
  @Test
  void databaseMadeByTheDdlScriptsIsBaselinedAtOneWithItsData() throws Exception {
    try (Connection c = emptySchema("flyway_legacy"); Statement s = c.createStatement()) {
      LegacySchemaApplier.apply(c, "legacy-ddl/postgres");
      s.execute("CREATE INDEX " + OLD_TAG_INDEX + " ON event_tag (tag, event_id)");
      s.execute("INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id, event_ser_manifest, "
          + "event_payload) VALUES ('Order|shopee|s1|o1', 1, 'w', 33, 'OrderEvent$Received', '\\x0102')");
      s.execute("INSERT INTO event_tag (event_id, tag) VALUES (1, 'order-3')");
      s.execute("INSERT INTO orders (order_key, channel, shop_id, order_id, status, created_at, updated_at, "
          + "last_event_seq) VALUES ('shopee|s1|o1', 'shopee', 's1', 'o1', 'CONFIRMED', now(), now(), 1)");
      // V2's pending for existing rows: as the sweeper chased them before, for a day (a buyer message 10 minutes)
      s.execute("INSERT INTO orders (order_key, channel, shop_id, order_id, status, created_at, updated_at, "
          + "last_event_seq) VALUES ('shopee|s1|o2', 'shopee', 's1', 'o2', 'OUT_OF_STOCK', now(), now(), 4), "
          + "('shopee|s1|o3', 'shopee', 's1', 'o3', 'OUT_OF_STOCK', now() - interval '2 days', "
          + "now() - interval '2 days', 4), ('shopee|s1|o4', 'shopee', 's1', 'o4', 'CONFIRMED', "
          + "now() - interval '1 hour', now() - interval '1 hour', 3)");
      s.execute("INSERT INTO listing_sync (listing_key, sku, channel, shop_id, last_value, last_event_seq, "
          + "acknowledged, attempts, updated_at, failure_class) "
          + "VALUES ('SKU-1|shopee:s1', 'SKU-1', 'shopee', 's1', 7, 3, true, 0, now(), 'TRANSIENT')");

      SchemaMigrator.Outcome outcome = migrate("flyway_legacy");
      assertTrue(outcome.baselined());
      assertEquals(Set.of("o1 2", "o2 1", "o3 0", "o4 0"),
          names(c, "SELECT order_id || ' ' || pending FROM flyway_legacy.orders"));
      assertEquals(List.of(V2_APPLIED, TEST_ONLY_APPLIED), outcome.applied());
      assertEquals("3", outcome.version());
      assertEquals(List.of("1 BASELINE " + SchemaMigrator.BASELINE_DESCRIPTION + " true", "2 SQL order pending true", "3 SQL test only note true"),
          history(c, "flyway_legacy"));

      assertEquals(Set.of("Order|shopee|s1|o1 1 OrderEvent$Received 0102"), names(c, "SELECT persistence_id || ' ' "
          + "|| sequence_number || ' ' || event_ser_manifest || ' ' || encode(event_payload, 'hex') FROM event_journal"));
      assertEquals(Set.of("1 order-3"), names(c, "SELECT event_id || ' ' || tag FROM event_tag"));
      assertEquals(Set.of("shopee|s1|o1 CONFIRMED", "shopee|s1|o2 OUT_OF_STOCK", "shopee|s1|o3 OUT_OF_STOCK",
          "shopee|s1|o4 CONFIRMED"), names(c, "SELECT order_key || ' ' || status FROM orders"));
      assertEquals(Set.of("SKU-1 7 TRANSIENT null"), names(c,
          "SELECT sku || ' ' || last_value || ' ' || failure_class || ' ' || coalesce(test_only_note, 'null') "
              + "FROM listing_sync"));
      // completing the schema with V1 dropped the old index, as the ddl/ scripts did
      assertFalse(names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'flyway_legacy'").contains(OLD_TAG_INDEX));

      // the same tables, columns, indexes and table options as a database migrated from zero
      try (Connection fresh = emptySchema("flyway_fresh_too")) {
        migrate("flyway_fresh_too");
        assertEquals(shape(fresh, "flyway_fresh_too"), shape(c, "flyway_legacy"));
      }

      // and the next start changes nothing
      SchemaMigrator.Outcome again = migrate("flyway_legacy");
      assertFalse(again.baselined());
      assertEquals(List.of(), again.applied());
    } finally {
      dropSchema("flyway_legacy");
      dropSchema("flyway_fresh_too");
    }
  }

  /** Three nodes starting together on a database made before Flyway: one baselines, V2 runs once, none fails. */
  @Test
  void nodesStartingTogetherBaselineAndMigrateOnce() throws Exception {
    try (Connection c = emptySchema("flyway_race")) {
      LegacySchemaApplier.apply(c, "legacy-ddl/postgres");
      var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
      try {
        List<java.util.concurrent.Future<SchemaMigrator.Outcome>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) runs.add(pool.submit(() -> migrate("flyway_race")));
        int baselined = 0;
        List<String> applied = new ArrayList<>();
        for (var run : runs) {
          SchemaMigrator.Outcome outcome = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
          if (outcome.baselined()) baselined++;
          applied.addAll(outcome.applied());
          assertEquals("3", outcome.version());
        }
        assertEquals(1, baselined);
        assertEquals(List.of(V2_APPLIED, TEST_ONLY_APPLIED), applied);
        assertEquals(List.of("1 BASELINE " + SchemaMigrator.BASELINE_DESCRIPTION + " true", "2 SQL order pending true", "3 SQL test only note true"),
            history(c, "flyway_race"));
      } finally {
        pool.shutdownNow();
      }
    } finally {
      dropSchema("flyway_race");
    }
  }

  /** Tables this service did not make and no history: no baseline over them, Flyway refuses. */
  @Test
  void refusesANonEmptySchemaItDidNotMake() throws Exception {
    try (Connection c = emptySchema("flyway_foreign"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE something_else (id INT)");
      assertThrows(FlywayException.class, () -> migrate("flyway_foreign"));
      assertFalse(names(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'flyway_foreign'")
          .contains("event_journal"));
    } finally {
      dropSchema("flyway_foreign");
    }
  }

  /** The embedded H2 file database of the previous release is baselined the same way; a fresh one migrates. */
  @Test
  void h2FileDatabaseFromTheDdlScriptsIsBaselinedAndAFreshOneMigrates() throws Exception {
    Path dir = Files.createTempDirectory("flyway-h2");
    String legacyUrl = "jdbc:h2:file:" + dir.resolve("legacy") + ";DB_CLOSE_DELAY=-1";
    try (Connection c = DriverManager.getConnection(legacyUrl, "sa", ""); Statement s = c.createStatement()) {
      LegacySchemaApplier.apply(c, "legacy-ddl/h2");
      s.execute("INSERT INTO \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", "
          + "\"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\") "
          + "VALUES ('Sku|SKU-1', 1, 'w', 0, '', X'01', 33, 'SkuEvent$Restocked')");
      SchemaMigrator.Outcome outcome =
          SchemaMigrator.migrate(legacyUrl, "sa", "", "h2", "classpath:db/migration-test/h2");
      assertTrue(outcome.baselined());
      assertEquals(List.of(V2_APPLIED, TEST_ONLY_APPLIED), outcome.applied());
      assertEquals(Set.of("Sku|SKU-1"), names(c, "SELECT \"persistence_id\" FROM \"event_journal\""));
      assertEquals(List.of(), SchemaMigrator.migrate(legacyUrl, "sa", "", "h2", "classpath:db/migration-test/h2")
          .applied());
      s.execute("SHUTDOWN");
    }
    String freshUrl = "jdbc:h2:file:" + dir.resolve("fresh") + ";DB_CLOSE_DELAY=-1";
    SchemaMigrator.Outcome fresh = SchemaMigrator.migrate(freshUrl, "sa", "", "h2");
    assertFalse(fresh.baselined());
    assertEquals(List.of("1 (baseline)", V2_APPLIED), fresh.applied());
    try (Connection c = DriverManager.getConnection(freshUrl, "sa", ""); Statement s = c.createStatement()) {
      assertEquals(Set.of("0"), names(c, "SELECT COUNT(*) FROM \"event_journal\""));
      s.execute("SHUTDOWN");
    }
  }

  /**
   * The read journal's eventsByTag statement (akka-persistence-jdbc 5.2.1, as logged by pg_stat_statements) is
   * prepared, so PostgreSQL soon plans it once for every offset. That generic plan must walk the ordering range and
   * probe event_tag's primary key, not read a tag's entries from the first one (V1, part 009_event_tag_index).
   */
  @Test
  void eventsByTagGenericPlanWalksTheOrderingRange() throws Exception {
    try (Connection c = emptySchema("plan_check"); Statement s = c.createStatement()) {
      SchemaMigrator.migrate(url("plan_check"), TestDatabase.USER, TestDatabase.PASSWORD, "postgres");
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

  /** V1 of each profile is the old ddl/ scripts in scripts.txt order, statement for statement. */
  @Test
  void baselineIsTheOldDdlScriptsUnchanged() throws Exception {
    for (String profile : List.of("postgres", "h2")) {
      List<String> legacy = new ArrayList<>();
      for (String script : resource("legacy-ddl/" + profile + "/scripts.txt").lines().map(String::trim)
          .filter(l -> !l.isEmpty()).toList()) {
        legacy.addAll(SchemaMigrator.statements(resource("legacy-ddl/" + profile + "/" + script)));
      }
      List<String> v1 = SchemaMigrator.statements(resource("db/migration/" + profile + "/V1__baseline.sql"));
      assertTrue(v1.size() > 20, profile + ": " + v1.size() + " statements");
      assertEquals(legacy, v1, profile);
    }
  }

  private static String resource(String name) throws Exception {
    try (var in = SchemaMigratorTest.class.getClassLoader().getResourceAsStream(name)) {
      assertTrue(in != null, name);
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void splitsScriptsIntoStatementsAndSkipsComments() {
    assertEquals(2, SchemaMigrator.statements("-- note\nCREATE TABLE a (x INT);\n\nCREATE INDEX i\n  ON a (x);\n").size());
    assertEquals("CREATE INDEX i\n  ON a (x)",
        SchemaMigrator.statements("CREATE TABLE a (x INT);\nCREATE INDEX i\n  ON a (x);").get(1));
  }

  private static SchemaMigrator.Outcome migrate(String schema) throws Exception {
    return SchemaMigrator.migrate(url(schema), TestDatabase.USER, TestDatabase.PASSWORD, "postgres", TEST_V2);
  }

  /** version, type, description and success of each history row, in order. */
  private static List<String> history(Connection c, String schema) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version, type, description, success "
        + "FROM " + schema + "." + SchemaMigrator.HISTORY_TABLE + " ORDER BY installed_rank")) {
      while (rs.next()) rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getBoolean(4));
    }
    return rows;
  }

  /** Columns (type, length, nullability, default), index definitions and table options, without the schema name. */
  private static Set<String> shape(Connection c, String schema) throws Exception {
    Set<String> shape = new TreeSet<>();
    shape.addAll(names(c, "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' "
        + "|| coalesce(character_maximum_length::text, '') || ' ' || coalesce(numeric_precision::text, '') || ' ' "
        + "|| coalesce(numeric_scale::text, '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') "
        + "FROM information_schema.columns WHERE table_schema = '" + schema + "' AND table_name <> '"
        + SchemaMigrator.HISTORY_TABLE + "'"));
    shape.addAll(names(c, "SELECT indexdef FROM pg_indexes WHERE schemaname = '" + schema + "' AND tablename <> '"
        + SchemaMigrator.HISTORY_TABLE + "'"));
    shape.addAll(names(c, "SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) "
        + "FROM pg_constraint WHERE connamespace = '" + schema + "'::regnamespace"));
    shape.addAll(names(c, "SELECT relname || ' ' || array_to_string(reloptions, ',') FROM pg_class "
        + "WHERE relnamespace = '" + schema + "'::regnamespace AND reloptions IS NOT NULL"));
    Set<String> unqualified = new TreeSet<>();
    for (String line : shape) unqualified.add(line.replace(schema + ".", ""));
    unqualified.removeIf(line -> line.contains(SchemaMigrator.HISTORY_TABLE));
    return unqualified;
  }

  private static String url(String schema) {
    return TestDatabase.URL + (TestDatabase.URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  /** A connection whose default schema is {@code schema}, new and empty. */
  private static Connection emptySchema(String schema) throws Exception {
    dropSchema(schema);
    try (Connection admin = TestDatabase.connect(); Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return DriverManager.getConnection(url(schema), TestDatabase.USER, TestDatabase.PASSWORD);
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

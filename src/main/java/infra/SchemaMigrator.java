package infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema to the newest version with Flyway: the versioned scripts of one profile, classpath
 * {@code db/migration/<profile>/V<n>__<what>.sql} (profile {@code postgres} or {@code h2}), recorded in
 * {@code flyway_schema_history}. Version 1 is the schema the {@code ddl/} scripts made before Flyway.
 *
 * <p>Three kinds of database:
 * <ul>
 *   <li>empty: every version is applied, V1 first;</li>
 *   <li>made before Flyway (an {@code event_journal} table but no history table): V1 is re-applied statement by
 *   statement (it is idempotent, exactly what every node start did before), which completes a schema from an older
 *   release, then the database is baselined at 1 and the later versions are applied;</li>
 *   <li>with a history: the versions not applied yet are (none: nothing happens).</li>
 * </ul>
 * Any other non-empty schema without a history is refused by Flyway (no silent baseline over unknown tables).
 *
 * <p>On PostgreSQL the whole run holds the advisory lock the old schema applier took, so nodes starting together
 * (or a node of the previous release, still applying {@code ddl/}) do not race on detecting and baselining; Flyway
 * takes its own lock around each migration besides.
 */
public final class SchemaMigrator {
  private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);
  public static final String HISTORY_TABLE = "flyway_schema_history";
  public static final String BASELINE_VERSION = "1";
  static final String BASELINE_DESCRIPTION = "schema made by ddl/ before Flyway";
  /** The key infra.SchemaApplier used: a node of the previous release waits for this run and vice versa. */
  private static final long ADVISORY_LOCK_KEY = 0x0_7C4E_57A7_0001L;

  private SchemaMigrator() {}

  /** What one run did: baselined a database made before Flyway, the versions applied, the version now. */
  public record Outcome(boolean baselined, List<String> applied, String version) {
    public String describe() {
      StringBuilder text = new StringBuilder();
      if (baselined) text.append("existing schema (made by ddl/ before Flyway) baselined at version ")
          .append(BASELINE_VERSION).append("; ");
      text.append(applied.isEmpty() ? "no migration to apply" : "applied " + String.join(", ", applied));
      return text.append("; schema version ").append(version).toString();
    }
  }

  /** The migrations of {@code profile}; {@code extraLocations} (e.g. {@code classpath:some/dir}) for tests. */
  public static Outcome migrate(DataSource dataSource, String profile, String... extraLocations) throws SQLException {
    String[] locations = Stream.concat(Stream.of(location(profile)), Stream.of(extraLocations)).toArray(String[]::new);
    Flyway flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations(locations)
        .table(HISTORY_TABLE)
        .baselineVersion(BASELINE_VERSION)
        .baselineDescription(BASELINE_DESCRIPTION)
        .baselineOnMigrate(false) // baselining is decided below, only for a schema this service made
        .placeholderReplacement(false) // the scripts are plain SQL: no ${...} is Flyway's
        .failOnMissingLocations(true)
        .load();
    try (Connection connection = dataSource.getConnection()) {
      boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        if (postgres) statement.execute("SELECT pg_advisory_lock(" + ADVISORY_LOCK_KEY + ")");
        try {
          boolean baselined = false;
          Set<String> tables = tables(connection);
          if (!tables.contains(HISTORY_TABLE) && tables.contains("event_journal")) {
            int statements = completeLegacySchema(statement, profile);
            flyway.baseline();
            baselined = true;
            log.info("Schema made before Flyway completed ({} statements of V1) and baselined at version {}",
                statements, BASELINE_VERSION);
          }
          MigrateResult result = flyway.migrate();
          List<String> applied = result.migrations.stream().map(m -> m.version + " (" + m.description + ")").toList();
          MigrationInfo current = flyway.info().current();
          Outcome outcome = new Outcome(baselined, applied, current == null ? "none" : current.getVersion().toString());
          log.info("Schema ({}): {}", profile, outcome.describe());
          return outcome;
        } finally {
          if (postgres) statement.execute("SELECT pg_advisory_unlock(" + ADVISORY_LOCK_KEY + ")");
        }
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    }
  }

  /** The same, for a caller without a pool (the {@code schema} command, benchmarks, tests). */
  public static Outcome migrate(String url, String user, String password, String profile, String... extraLocations)
      throws SQLException {
    return migrate(Flyway.configure().dataSource(url, user, password).getDataSource(), profile, extraLocations);
  }

  static String location(String profile) {
    return "classpath:db/migration/" + profile;
  }

  /** Names of the tables in the connection's current schema, lower case. */
  private static Set<String> tables(Connection connection) throws SQLException {
    Set<String> names = new HashSet<>();
    try (ResultSet rs = connection.getMetaData().getTables(connection.getCatalog(), connection.getSchema(), "%",
        new String[] {"TABLE"})) {
      while (rs.next()) names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
    }
    return names;
  }

  /** Runs every statement of the profile's V1 (all idempotent), as the old schema applier ran the ddl/ scripts. */
  private static int completeLegacySchema(Statement statement, String profile) throws SQLException {
    int executed = 0;
    for (String sql : statements(read("db/migration/" + profile + "/V1__baseline.sql"))) {
      statement.execute(sql);
      executed++;
    }
    return executed;
  }

  /** Splits a script on semicolons that end a line; drops comment-only and blank lines. */
  public static List<String> statements(String script) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) continue;
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().trim();
        result.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) result.add(current.toString().trim());
    return result;
  }

  private static String read(String resource) {
    try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("Migration not found on the classpath: " + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + resource, e);
    }
  }
}

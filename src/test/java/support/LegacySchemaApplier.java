package support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema applier from before Flyway (infra.SchemaApplier, unchanged but for its name and package), kept with a
 * frozen copy of its scripts (classpath {@code legacy-ddl/<profile>/}, formerly {@code ddl/<profile>/}) so tests can
 * make a database exactly as a node of that release left it and migrate it with infra.SchemaMigrator.
 *
 * <p>Applies the DDL scripts of one profile (listed in order in scripts.txt) to a
 * database. Every statement is idempotent and runs in auto-commit mode, one at a time, so the schema can be applied
 * to an empty or an up-to-date database alike. On PostgreSQL an advisory lock keeps nodes that start together from
 * racing on the same CREATE statements.
 */
public final class LegacySchemaApplier {
  private static final Logger log = LoggerFactory.getLogger(LegacySchemaApplier.class);
  private static final long ADVISORY_LOCK_KEY = 0x0_7C4E_57A7_0001L;

  private LegacySchemaApplier() {}

  /** @return the number of statements executed. */
  public static int apply(Connection connection, String ddlDir) throws SQLException {
    boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(true);
    int executed = 0;
    try (Statement statement = connection.createStatement()) {
      if (postgres) statement.execute("SELECT pg_advisory_lock(" + ADVISORY_LOCK_KEY + ")");
      try {
        for (String script : scripts(ddlDir)) {
          for (String sql : statements(read(ddlDir + "/" + script))) {
            statement.execute(sql);
            executed++;
          }
        }
      } finally {
        if (postgres) statement.execute("SELECT pg_advisory_unlock(" + ADVISORY_LOCK_KEY + ")");
      }
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    log.info("Schema from {} applied ({} statements)", ddlDir, executed);
    return executed;
  }

  static List<String> scripts(String ddlDir) {
    return read(ddlDir + "/scripts.txt").lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
  }

  /** The same statement splitter as the migrations'. */
  static List<String> statements(String script) {
    return infra.SchemaMigrator.statements(script);
  }

  private static String read(String resource) {
    try (InputStream in = LegacySchemaApplier.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("DDL resource not found on the classpath: " + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + resource, e);
    }
  }
}

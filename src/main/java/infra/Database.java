package infra;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The service's own connection pool to the journal database (read side, health checks, schema). Every call runs on
 * {@code orchestrator.blocking-jdbc-dispatcher}, never on an actor's thread. One per actor system.
 */
public final class Database implements Extension {

  public static final class Id extends ExtensionId<Database> {
    private static final Id INSTANCE = new Id();

    @Override
    public Database createExtension(ActorSystem<?> system) {
      return new Database(system);
    }
  }

  public static Database get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Outcome of a round trip to the database. */
  public record Ping(boolean reachable, long millis, String error) {}

  @FunctionalInterface
  public interface SqlFunction<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final HikariDataSource dataSource;
  private final Executor executor;
  private final String profile;

  private Database(ActorSystem<?> system) {
    Config config = system.settings().config();
    Config active = config.getConfig("orchestrator.db.active");
    Config pool = config.getConfig("orchestrator.db.pool");
    this.profile = config.getString("orchestrator.db.profile");
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("orchestrator-" + profile);
    hikari.setDriverClassName(active.getString("driver"));
    hikari.setJdbcUrl(active.getString("url"));
    hikari.setUsername(active.getString("user"));
    hikari.setPassword(active.getString("password"));
    hikari.setMaximumPoolSize(Math.max(2, pool.getInt("max-connections") / 2));
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(pool.getDuration("connection-timeout").toMillis());
    hikari.setValidationTimeout(Math.min(2000, pool.getDuration("connection-timeout").toMillis()));
    // Start even while the database is down: health reports it, entities retry with back-off.
    hikari.setInitializationFailTimeout(-1);
    this.dataSource = new HikariDataSource(hikari);
    this.executor = system.dispatchers().lookup(DispatcherSelector.fromConfig("orchestrator.blocking-jdbc-dispatcher"));
    system.getWhenTerminated().thenRun(dataSource::close);
  }

  /** h2 or postgres: also which migrations apply (infra.SchemaMigrator, classpath db/migration/&lt;profile&gt;). */
  public String profile() {
    return profile;
  }

  public HikariDataSource dataSource() {
    return dataSource;
  }

  public Executor executor() {
    return executor;
  }

  /** Runs {@code work} with a pooled connection on the blocking JDBC dispatcher. */
  public <T> CompletionStage<T> withConnection(SqlFunction<T> work) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection connection = dataSource.getConnection()) {
        return work.apply(connection);
      } catch (SQLException e) {
        throw new DatabaseException(e);
      }
    }, executor);
  }

  /** A cheap query against the database, bounded by the pool's connection timeout. */
  public CompletionStage<Ping> ping() {
    long start = System.nanoTime();
    return withConnection(c -> c.isValid(2)).toCompletableFuture()
        .orTimeout(2, java.util.concurrent.TimeUnit.SECONDS) // health answers quickly even while the pool waits
        .handle((valid, error) -> {
          long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
          if (error != null) {
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            return new Ping(false, millis, cause.getClass().getSimpleName());
          }
          return new Ping(Boolean.TRUE.equals(valid), millis, Boolean.TRUE.equals(valid) ? null : "invalid connection");
        });
  }

  /** Unchecked wrapper so SQL failures can travel through CompletionStages. */
  public static final class DatabaseException extends RuntimeException {
    public DatabaseException(SQLException cause) {
      super(cause.getMessage(), cause);
    }
  }
}

package infra;

import akka.japi.function.Function;
import akka.projection.jdbc.JdbcSession;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A projection's unit of work on one pooled connection of {@code infra.Database}: autocommit off, so the rows a handler
 * writes and the offset Akka Projection stores commit (or roll back) together. Closing returns the connection.
 *
 * <p>On PostgreSQL the transaction may commit asynchronously ({@code synchronous_commit off}, this transaction only):
 * the read side then does not wait for a WAL flush per event, and leaves the disk to the journal in a burst. A
 * database crash can lose the last few hundred milliseconds of ledger commits, rows and offset together, and the
 * projection replays those events from the journal: nothing is lost or half-applied.
 */
public final class HikariJdbcSession implements JdbcSession {
  private final Connection connection;

  public HikariJdbcSession(DataSource dataSource, boolean asyncCommit) {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
      if (asyncCommit) {
        try (Statement statement = c.createStatement()) {
          statement.execute("SET LOCAL synchronous_commit TO OFF");
        }
      }
      this.connection = c;
    } catch (SQLException e) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // already failing
        }
      }
      throw new IllegalStateException("No database connection for the read side: " + e.getMessage(), e);
    }
  }

  @Override
  public <Result> Result withConnection(Function<Connection, Result> work) throws Exception {
    return work.apply(connection);
  }

  @Override
  public void commit() throws SQLException {
    connection.commit();
  }

  @Override
  public void rollback() throws SQLException {
    connection.rollback();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}

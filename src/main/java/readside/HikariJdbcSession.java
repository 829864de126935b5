package readside;

import akka.japi.function.Function;
import akka.projection.jdbc.JdbcSession;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A projection's unit of work on one pooled connection of {@code app.Database}: autocommit off, so the rows a handler
 * writes and the offset Akka Projection stores commit (or roll back) together. Closing returns the connection.
 */
public final class HikariJdbcSession implements JdbcSession {
  private final Connection connection;

  public HikariJdbcSession(DataSource dataSource) {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
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

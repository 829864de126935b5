package readside;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Batched JDBC for the read side's grouped projections: a group's rows read with a few IN-list statements, and
 * written as one batch of inserts and one of updates. Plain SQL that PostgreSQL and H2 both accept.
 */
public final class RowBatches {
  /** Keys per read statement: a group of 200 events touches at most 200 rows. */
  static final int KEYS_PER_READ = 100;

  private RowBatches() {}

  /** A read of some keys: {@code keyIn} is " IN (?, ...)" with one placeholder per key, to follow a key column. */
  public interface ChunkRead {
    void read(List<String> keys, String keyIn) throws SQLException;
  }

  /** Runs {@code read} once per {@link #KEYS_PER_READ} keys, so a group is read in a few statements. */
  public static void readInChunks(List<String> keys, ChunkRead read) throws SQLException {
    for (int from = 0; from < keys.size(); from += KEYS_PER_READ) {
      List<String> chunk = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_READ));
      read.read(chunk, " IN (" + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")");
    }
  }

  /** Binds the keys to the statement's first placeholders. */
  public static void bindKeys(PreparedStatement statement, List<String> keys) throws SQLException {
    for (int i = 0; i < keys.size(); i++) statement.setString(i + 1, keys.get(i));
  }

  /** Sets a row's values on an INSERT or UPDATE whose placeholders are in the same order (the key last). */
  public interface Bind<R> {
    void bind(PreparedStatement statement, R row) throws SQLException;
  }

  /**
   * Writes the changed rows: new ones ({@code before} null) as one batch of {@code insertSql}, the others as one batch
   * of {@code updateSql}. Every statement must write its one row (a driver may only say "done": accepted), so an
   * update of a row that is not there fails the transaction instead of losing the change.
   */
  public static <R> void insertOrUpdate(Connection c, List<GroupedRows.Change<R>> changes, String insertSql,
                                 String updateSql, Bind<R> bind, Function<R, String> keyOf, String what)
      throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(insertSql);
         PreparedStatement update = c.prepareStatement(updateSql)) {
      List<String> inserted = new ArrayList<>();
      List<String> updated = new ArrayList<>();
      for (GroupedRows.Change<R> change : changes) {
        boolean isNew = change.before() == null;
        bind.bind(isNew ? insert : update, change.after());
        (isNew ? insert : update).addBatch();
        (isNew ? inserted : updated).add(keyOf.apply(change.after()));
      }
      checkWritten(insert.executeBatch(), inserted, what);
      checkWritten(update.executeBatch(), updated, what);
    }
  }

  private static void checkWritten(int[] counts, List<String> keys, String what) throws SQLException {
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 1 && counts[i] != Statement.SUCCESS_NO_INFO) {
        throw new SQLException(what + " " + keys.get(i) + " was not written");
      }
    }
  }
}

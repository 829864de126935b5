package readside;

import akka.projection.eventsourced.EventEnvelope;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Applies a group of events to one row per key (an order, a SKU): the group's rows are loaded together, each key's
 * events are applied in order, and the rows that changed are saved together. Used by the grouped read-side
 * projections.
 */
final class GroupedRows {
  private GroupedRows() {}

  /** The existing rows of these keys (absent: no row yet). */
  interface Load<R> {
    Map<String, R> load(List<String> keys) throws SQLException;
  }

  /** The row after the event, or null when the event changes nothing (a replay, or an event that cannot apply). */
  interface Apply<R, E> {
    R apply(String key, R current, EventEnvelope<E> envelope);
  }

  /** A row to write: {@code before} as loaded (null: a new row), {@code after} as the group left it. */
  record Change<R>(R before, R after) {}

  interface Save<R> {
    void save(List<Change<R>> changes) throws SQLException;
  }

  /** Keys per read statement: a group of 200 events touches at most 200 rows. */
  static final int KEYS_PER_READ = 100;

  /** A read of some keys: {@code keyIn} is " IN (?, ...)" with one placeholder per key, to follow a key column. */
  interface ChunkRead {
    void read(List<String> keys, String keyIn) throws SQLException;
  }

  /** Runs {@code read} once per {@link #KEYS_PER_READ} keys, so a group is read in a few statements. */
  static void readInChunks(List<String> keys, ChunkRead read) throws SQLException {
    for (int from = 0; from < keys.size(); from += KEYS_PER_READ) {
      List<String> chunk = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_READ));
      read.read(chunk, " IN (" + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")");
    }
  }

  /** Binds the keys to the statement's first placeholders. */
  static void bindKeys(PreparedStatement statement, List<String> keys) throws SQLException {
    for (int i = 0; i < keys.size(); i++) statement.setString(i + 1, keys.get(i));
  }

  /** Every statement of a batch must have written its one row (a driver may only say "done": accepted). */
  static void checkWritten(int[] counts, List<String> keys, String what) throws SQLException {
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 1 && counts[i] != Statement.SUCCESS_NO_INFO) {
        throw new SQLException(what + " " + keys.get(i) + " was not written");
      }
    }
  }

  static <R, E> void apply(List<EventEnvelope<E>> envelopes, Function<EventEnvelope<E>, String> keyOf, Load<R> load,
                           Apply<R, E> apply, Save<R> save) throws SQLException {
    Set<String> keys = new LinkedHashSet<>();
    for (EventEnvelope<E> envelope : envelopes) keys.add(keyOf.apply(envelope));
    Map<String, R> loaded = load.load(new ArrayList<>(keys));
    Map<String, R> current = new HashMap<>(loaded);
    for (EventEnvelope<E> envelope : envelopes) {
      String key = keyOf.apply(envelope);
      R after = apply.apply(key, current.get(key), envelope);
      if (after != null) current.put(key, after);
    }
    List<Change<R>> changes = new ArrayList<>();
    for (String key : keys) {
      R before = loaded.get(key);
      R after = current.get(key);
      if (after != before) changes.add(new Change<>(before, after));
    }
    if (!changes.isEmpty()) save.save(changes);
  }
}

package readside;

import akka.projection.eventsourced.EventEnvelope;
import java.sql.SQLException;
import java.util.ArrayList;
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
public final class GroupedRows {
  private GroupedRows() {}

  /** The existing rows of these keys (absent: no row yet). */
  public interface Load<R> {
    Map<String, R> load(List<String> keys) throws SQLException;
  }

  /** The row after the event, or null when the event changes nothing (a replay, or an event that cannot apply). */
  public interface Apply<R, E> {
    public R apply(String key, R current, EventEnvelope<E> envelope);
  }

  /** A row to write: {@code before} as loaded (null: a new row), {@code after} as the group left it. */
  public record Change<R>(R before, R after) {}

  public interface Save<R> {
    void save(List<Change<R>> changes) throws SQLException;
  }

  public static <R, E> void apply(List<EventEnvelope<E>> envelopes, Function<EventEnvelope<E>, String> keyOf, Load<R> load,
                           Apply<R, E> apply, Save<R> save) throws SQLException {
    List<String> envelopeKeys = envelopes.stream().map(keyOf).toList();
    Set<String> keys = new LinkedHashSet<>(envelopeKeys);
    Map<String, R> loaded = load.load(new ArrayList<>(keys));
    Map<String, R> current = new HashMap<>(loaded);
    for (int i = 0; i < envelopes.size(); i++) {
      String key = envelopeKeys.get(i);
      R after = apply.apply(key, current.get(key), envelopes.get(i));
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

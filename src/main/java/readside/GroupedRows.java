package readside;

import akka.projection.eventsourced.EventEnvelope;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Applies a group of events to one row per key (an order, a SKU): each key's row is loaded once, its events are
 * applied in order, and each row that changed is saved once. Used by the grouped read-side projections.
 */
final class GroupedRows {
  private GroupedRows() {}

  interface Load<R> {
    R load(String key) throws SQLException;
  }

  /** The row after the event, or null when the event changes nothing (a replay, or an event that cannot apply). */
  interface Apply<R, E> {
    R apply(String key, R current, EventEnvelope<E> envelope);
  }

  interface Save<R> {
    void save(R before, R after) throws SQLException;
  }

  static <R, E> void apply(List<EventEnvelope<E>> envelopes, Function<EventEnvelope<E>, String> keyOf, Load<R> load,
                           Apply<R, E> apply, Save<R> save) throws SQLException {
    Map<String, R> loaded = new HashMap<>();
    Map<String, R> current = new LinkedHashMap<>();
    for (EventEnvelope<E> envelope : envelopes) {
      String key = keyOf.apply(envelope);
      if (!current.containsKey(key)) {
        R row = load.load(key);
        loaded.put(key, row);
        current.put(key, row);
      }
      R after = apply.apply(key, current.get(key), envelope);
      if (after != null) current.put(key, after);
    }
    for (Map.Entry<String, R> e : current.entrySet()) {
      R before = loaded.get(e.getKey());
      if (e.getValue() != before) save.save(before, e.getValue());
    }
  }
}

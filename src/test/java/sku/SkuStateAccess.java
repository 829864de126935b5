package sku;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import sku.SkuEntity.ReservationCommand;
import sku.SkuEntity.Summary;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuState.Hold;
import sku.SkuState.State;
import sku.SkuState.Tentative;

/**
 * What tests outside package {@code sku} need of the entity's state, which the entity keeps package-private: events
 * applied, its summary, and batches and hold expiry decided exactly as the entity decides them.
 */
public final class SkuStateAccess {
  private SkuStateAccess() {}

  public static State apply(State state, Event event, int finishedKeysKept) {
    return state.apply(event, new FinishedKeys.Bound(finishedKeysKept, java.time.temporal.ChronoUnit.FOREVER.getDuration()));
  }

  public static Summary summary(State state) {
    return state.summary();
  }

  /** The changes of one batch of {@code commands}, decided in order against the state as the entity does. */
  public static List<Change> decide(State state, List<ReservationCommand> commands) {
    Tentative tentative = new Tentative(state);
    List<Change> changes = new ArrayList<>();
    for (ReservationCommand command : commands) ReservationRules.decide(state, tentative, command, changes);
    return changes;
  }

  /** What the entity's hold expiry writes at {@code now}: the holds due, earliest first, at most {@code max}. */
  public static List<Change.Expired> dueExpiries(State state, Instant now, int max) {
    List<Change.Expired> expired = new ArrayList<>();
    for (Hold hold : state.dueHolds(now, max)) {
      expired.add(new Change.Expired(hold.orderKey(), state.reservation(hold.orderKey()).quantity(), hold.until()));
    }
    return expired;
  }
}

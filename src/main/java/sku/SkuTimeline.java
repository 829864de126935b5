package sku;

import akka.actor.typed.ActorSystem;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.stream.javadsl.Sink;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import sku.SkuEvents.Event;

/**
 * A SKU's quantities over time for the dashboard's chart: its journal read from the first event (events are never
 * deleted, only old snapshots), folded through the same {@link SkuState.State#apply} the entity uses, one point
 * per event. Off the entity and off its thread (a stream on the read journal); only the last {@code limit} points
 * are kept, so a hot SKU's long journal costs time, not memory.
 */
public final class SkuTimeline {
  /** The SKU after one event: what it holds, what each listing shows, and (share sync) what each may still sell. */
  public record Point(Instant at, long seqNr, String event, int onHand, int reserved, int available,
                      Map<String, Integer> shown, Map<String, Integer> exposure) {}

  /** {@code events}: how many the journal holds; {@code points}: the last of them, oldest first. */
  public record Timeline(String sku, long events, List<Point> points) {}

  private SkuTimeline() {}

  public static CompletionStage<Timeline> read(ActorSystem<?> system, String sku, int limit) {
    SkuSettings settings = SkuSettings.from(system.settings().config());
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
    Fold start = new Fold(new SkuState.State(sku), limit, settings.finishedKeyBound());
    return journal.currentEventsByPersistenceId(SkuEntity.persistenceId(sku).id(), 0L, Long.MAX_VALUE)
        .runWith(Sink.fold(start, Fold::add), system)
        .thenApply(fold -> new Timeline(sku, fold.events, List.copyOf(fold.points)));
  }

  /** The fold's accumulator: touched by one stream stage at a time. */
  private static final class Fold {
    private SkuState.State state;
    private final int limit;
    private final FinishedKeys.Bound finishedKeyBound;
    private final ArrayDeque<Point> points = new ArrayDeque<>();
    private long events;

    Fold(SkuState.State state, int limit, FinishedKeys.Bound finishedKeyBound) {
      this.state = state;
      this.limit = limit;
      this.finishedKeyBound = finishedKeyBound;
    }

    Fold add(EventEnvelope envelope) {
      if (!(envelope.event() instanceof Event event)) return this;
      state = state.apply(event, finishedKeyBound);
      events++;
      SkuEntity.Stock stock = state.stock();
      if (points.size() == limit) points.removeFirst();
      points.addLast(new Point(event.at(), envelope.sequenceNr(), event.getClass().getSimpleName(), stock.onHand(),
          stock.reserved(), stock.available(), stock.shown(), stock.exposure()));
      return this;
    }
  }
}

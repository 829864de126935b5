package sku;

import akka.actor.typed.ActorSystem;
import akka.pattern.StatusReply;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.stream.javadsl.Sink;
import java.util.ArrayList;
import java.util.List;
import sku.SkuEntity.GetHistory;
import sku.SkuEntity.HistoryEntry;
import sku.SkuEntity.HistoryPage;
import sku.SkuEvents.Event;

/**
 * A SKU's history pages for {@link GetHistory}, newest line first, read from the read journal: one line per admin
 * event and one per reservation change (a batch event has many).
 */
final class SkuHistory {
  private final String sku;
  private final ActorSystem<?> system;
  private final String readJournalId;
  private CurrentEventsByPersistenceIdQuery readJournal;

  SkuHistory(String sku, ActorSystem<?> system, String readJournalId) {
    this.sku = sku;
    this.system = system;
    this.readJournalId = readJournalId;
  }

  /**
   * Reads the page from the read journal off the actor's thread and answers the caller directly. The page counts
   * history lines (one per change), so it walks back from the newest event, a window of events at a time, until it
   * has skipped {@code offset} lines and collected {@code limit}.
   */
  void answer(long lastSeq, long total, GetHistory c) {
    if (c.offset() >= total || lastSeq < 1) {
      c.replyTo().tell(StatusReply.success(new HistoryPage(sku, total, c.offset(), c.limit(), List.of())));
      return;
    }
    if (readJournal == null) {
      readJournal = PersistenceQuery.get(akka.actor.typed.javadsl.Adapter.toClassic(system))
          .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalId);
    }
    new HistoryReader(readJournal, system, SkuEntity.persistenceId(sku).id(), total, c).readBefore(lastSeq);
  }

  /** One history request in progress (runs on stream threads, touches nothing of the actor). */
  private final class HistoryReader {
    private static final int MAX_EVENTS_PER_READ = 200;
    private final CurrentEventsByPersistenceIdQuery journal;
    private final ActorSystem<?> system;
    private final String persistenceId;
    private final long total;
    private final GetHistory request;
    private final List<HistoryEntry> page = new ArrayList<>();
    private long toSkip;

    HistoryReader(CurrentEventsByPersistenceIdQuery journal, ActorSystem<?> system, String persistenceId, long total,
                  GetHistory request) {
      this.journal = journal;
      this.system = system;
      this.persistenceId = persistenceId;
      this.total = total;
      this.request = request;
      this.toSkip = request.offset();
    }

    /** Every event has at least one line, so reading as many events as lines still wanted never reads too far. */
    void readBefore(long to) {
      long wanted = toSkip + request.limit() - page.size();
      long from = Math.max(1, to - Math.min(wanted, MAX_EVENTS_PER_READ) + 1);
      journal.currentEventsByPersistenceId(persistenceId, from, to)
          .runWith(Sink.seq(), system)
          .whenComplete((envelopes, failure) -> {
            if (failure != null) {
              request.replyTo().tell(StatusReply.error(SkuEntity.error(SkuEntity.UNAVAILABLE, "history could not be read: " + failure.getMessage())));
              return;
            }
            for (int i = envelopes.size() - 1; i >= 0 && page.size() < request.limit(); i--) {
              EventEnvelope envelope = envelopes.get(i);
              if (!(envelope.event() instanceof Event e)) continue;
              for (HistoryEntry entry : e.historyEntries(envelope.sequenceNr())) {
                if (toSkip > 0) toSkip--;
                else if (page.size() < request.limit()) page.add(entry);
              }
            }
            if (page.size() < request.limit() && from > 1) {
              readBefore(from - 1);
            } else {
              request.replyTo().tell(StatusReply.success(
                  new HistoryPage(sku, total, request.offset(), request.limit(), List.copyOf(page))));
            }
          });
    }
  }
}

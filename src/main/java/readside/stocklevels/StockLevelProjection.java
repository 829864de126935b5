package readside.stocklevels;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.GroupedProjection;
import akka.projection.javadsl.SourceProvider;
import akka.projection.jdbc.javadsl.JdbcHandler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import infra.Database;
import infra.HikariJdbcSession;
import java.util.List;
import java.util.Optional;
import readside.GroupedRows;
import readside.ReadSideGroups;
import sku.SkuEntity;
import sku.SkuEvents;

/**
 * Keeps {@code stock_levels} in step with the SKU entities: one exactly-once JDBC projection per SKU tag
 * ({@link SkuEntity#TAGS}), each run once in the cluster by a sharded daemon process, taking events in groups
 * ({@link ReadSideGroups}): the rows of a group and the offset commit in one transaction. Each event is applied to
 * the row's image with {@link StockLevels}, the same rules the entity's state follows; an event at or below the row's {@code last_event_seq} changes nothing (replays are safe).
 */
public final class StockLevelProjection {
  public static final String NAME = "stock-levels";

  private StockLevelProjection() {}

  public static void init(ActorSystem<?> system, Database database) {
    StockLevelStore store = new StockLevelStore(system);
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, NAME, SkuEntity.TAGS.size(),
        index -> ProjectionBehavior.create(projection(system, database, store, SkuEntity.TAGS.get(index))),
        ShardedDaemonProcessSettings.create(system), Optional.of(ProjectionBehavior.stopMessage()));
  }

  static GroupedProjection<Offset, EventEnvelope<SkuEvents.Event>> projection(
      ActorSystem<?> system, Database database, StockLevelStore store, String tag) {
    SourceProvider<Offset, EventEnvelope<SkuEvents.Event>> events =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    boolean asyncCommit = "postgres".equals(database.profile());
    ReadSideGroups groups = ReadSideGroups.from(system);
    return JdbcProjection.groupedWithin(ProjectionId.of(NAME, tag), events,
            () -> new HikariJdbcSession(database.dataSource(), asyncCommit), () -> new Handler(store), system)
        .withGroup(groups.size(), groups.within());
  }

  /** Applies a group of SKU events to their rows inside the projection's transaction (one read, one write per SKU). */
  static final class Handler extends JdbcHandler<List<EventEnvelope<SkuEvents.Event>>, HikariJdbcSession> {
    private final StockLevelStore store;

    Handler(StockLevelStore store) {
      this.store = store;
    }

    @Override
    public void process(HikariJdbcSession session, List<EventEnvelope<SkuEvents.Event>> envelopes) throws Exception {
      session.withConnection(connection -> {
        GroupedRows.<StockLevelStore.Row, SkuEvents.Event>apply(envelopes,
            envelope -> envelope.persistenceId().substring(envelope.persistenceId().indexOf('|') + 1),
            skus -> store.loadAll(connection, skus),
            (sku, before, envelope) -> {
              if (before != null && envelope.sequenceNr() <= before.lastEventSeq()) return null; // a replay
              StockLevels levels = (before == null ? StockLevels.empty() : before.levels()).after(envelope.event());
              return new StockLevelStore.Row(sku, levels, envelope.sequenceNr(), envelope.event().at());
            },
            changes -> store.saveAll(connection, changes));
        return Done.getInstance();
      });
    }
  }
}

package readside.ledger;

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
import order.OrderEntity;
import order.OrderEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import readside.GroupedRows;
import readside.ReadSideGroups;

/**
 * Keeps the {@code orders} and {@code order_lines} tables in step with the order entities: one exactly-once JDBC
 * projection per order tag ({@link OrderEntity#TAGS}), each run once in the cluster by a sharded daemon process. The
 * events are taken in groups ({@code orchestrator.read-side.group-size} events or {@code group-within}, whichever
 * comes first): the rows a group changes and the projection's offset commit in one transaction, so after a crash or
 * a restart the projection resumes after the last committed group. An order's several events in one group cost one
 * read and one write of its rows (a flash sale writes ~5 events per order within a second).
 */
public final class OrderProjection {
  public static final String NAME = "order-ledger";
  private static final Logger log = LoggerFactory.getLogger(OrderProjection.class);

  private OrderProjection() {}

  public static void init(ActorSystem<?> system, Database database) {
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, NAME, OrderEntity.TAGS.size(),
        index -> ProjectionBehavior.create(projection(system, database, OrderEntity.TAGS.get(index))),
        ShardedDaemonProcessSettings.create(system), Optional.of(ProjectionBehavior.stopMessage()));
  }

  static GroupedProjection<Offset, EventEnvelope<OrderEvents.Event>> projection(
      ActorSystem<?> system, Database database, String tag) {
    SourceProvider<Offset, EventEnvelope<OrderEvents.Event>> events =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    boolean asyncCommit = "postgres".equals(database.profile());
    ReadSideGroups groups = ReadSideGroups.from(system);
    return JdbcProjection.groupedWithin(ProjectionId.of(NAME, tag), events,
            () -> new HikariJdbcSession(database.dataSource(), asyncCommit), Handler::new, system)
        .withGroup(groups.size(), groups.within());
  }

  /** Applies a group of events to their orders' rows inside the projection's transaction. */
  static final class Handler extends JdbcHandler<List<EventEnvelope<OrderEvents.Event>>, HikariJdbcSession> {
    @Override
    public void process(HikariJdbcSession session, List<EventEnvelope<OrderEvents.Event>> envelopes) throws Exception {
      session.withConnection(connection -> {
        GroupedRows.<OrderRow, OrderEvents.Event>apply(envelopes, envelope -> envelope.event().orderKey(),
            keys -> OrderRowStore.loadAll(connection, keys),
            (key, current, envelope) -> {
              OrderEvents.Event event = envelope.event();
              OrderRow after = OrderLedger.apply(current, event, envelope.sequenceNr());
              if (after == null && current == null) {
                log.warn("Order {}: {} (seq {}) arrived before the order's first event; skipped",
                    event.orderKey(), event.getClass().getSimpleName(), envelope.sequenceNr());
              }
              return after;
            },
            changes -> OrderRowStore.saveAll(connection, changes));
        return Done.getInstance();
      });
    }
  }
}

package readside;

import actors.OrderEntity;
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
import akka.projection.javadsl.ExactlyOnceProjection;
import akka.projection.javadsl.SourceProvider;
import akka.projection.jdbc.javadsl.JdbcHandler;
import akka.projection.jdbc.javadsl.JdbcProjection;
import app.Database;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code orders} and {@code order_lines} tables in step with the order entities: one exactly-once JDBC
 * projection per order tag ({@link OrderEntity#TAGS}), each run once in the cluster by a sharded daemon process. The
 * rows an event changes and the projection's offset commit in the same transaction, so after a crash or a restart
 * the projection resumes at the first event whose rows were not committed.
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

  static ExactlyOnceProjection<Offset, EventEnvelope<OrderEntity.Event>> projection(
      ActorSystem<?> system, Database database, String tag) {
    SourceProvider<Offset, EventEnvelope<OrderEntity.Event>> events =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    boolean asyncCommit = "postgres".equals(database.profile());
    return JdbcProjection.exactlyOnce(ProjectionId.of(NAME, tag), events,
        () -> new HikariJdbcSession(database.dataSource(), asyncCommit), Handler::new, system);
  }

  /** Applies one event to its order's rows inside the projection's transaction. */
  static final class Handler extends JdbcHandler<EventEnvelope<OrderEntity.Event>, HikariJdbcSession> {
    @Override
    public void process(HikariJdbcSession session, EventEnvelope<OrderEntity.Event> envelope) throws Exception {
      OrderEntity.Event event = envelope.event();
      session.withConnection(connection -> {
        OrderRow before = OrderRowStore.load(connection, event.orderKey());
        OrderRow after = OrderLedger.apply(before, event, envelope.sequenceNr());
        if (after != null) {
          OrderRowStore.save(connection, before, after);
        } else if (before == null) {
          log.warn("Order {}: {} (seq {}) arrived before the order's first event; skipped",
              event.orderKey(), event.getClass().getSimpleName(), envelope.sequenceNr());
        }
        return Done.getInstance();
      });
    }
  }
}

package readside.ledger;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import infra.Database;
import infra.Restarts;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import order.OrderEntity;

/**
 * Wakes the orders a crash may have left idle with work outstanding (one per cluster). Orders are not remembered
 * entities, so after a node dies an order in the middle of its saga would wait for the next webhook; this singleton
 * reads the ledger for orders that still wait for something ({@code pending}: a step of the saga or a buyer
 * message, derived from their events by {@link OrderLedger}) and not updated for a while, and sends each a
 * {@link OrderEntity.Wake}: recovery re-sends what the order still waits for. An order that is done is never woken:
 * the soak found out-of-stock orders long done woken 2,000 per sweep, forever, oldest first.
 */
public final class OrderSweeper {
  private OrderSweeper() {}


  enum Tick { INSTANCE }

  public static void init(ActorSystem<?> system, Database database) {
    Duration interval = system.settings().config().getDuration("orchestrator.orders.sweep-interval");
    Duration quiet = system.settings().config().getDuration("orchestrator.orders.sweep-quiet");
    ClusterSingleton.get(system).init(SingletonActor.of(Behaviors.supervise(create(database, interval, quiet))
        .onFailure(Restarts.withBackoff()),
        "order-sweeper"));
  }

  static Behavior<Tick> create(Database database, Duration interval, Duration quiet) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval, interval);
      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
      return Behaviors.receiveMessage(tick -> {
        Instant before = Instant.now().minus(quiet);
        database.withConnection(c -> due(c, before)).whenComplete((keys, error) -> {
          if (keys != null) {
            keys.forEach(k -> sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, k).tell(OrderEntity.Wake.INSTANCE));
          }
        });
        return Behaviors.same();
      });
    }));
  }

  /** The orders to wake: still waiting for something and not updated since {@code before}, oldest first. */
  static List<String> due(Connection c, Instant before) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT order_key FROM orders WHERE pending IN (?, ?, ?) "
        + "AND updated_at < ? ORDER BY updated_at LIMIT 2000")) {
      s.setInt(1, OrderLedger.STEP);
      s.setInt(2, OrderLedger.MESSAGE);
      s.setInt(3, OrderLedger.STEP | OrderLedger.MESSAGE);
      s.setTimestamp(4, Timestamp.from(before));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) keys.add(rs.getString(1));
      }
    }
    return keys;
  }
}

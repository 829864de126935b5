package readside.ledger;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import infra.Database;
import infra.Restarts;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import order.OrderEntity;
import order.Phase;

/**
 * Wakes the orders a crash may have left idle with work outstanding (one per cluster). Orders are not remembered
 * entities, so after a node dies an order in the middle of its saga would wait for the next webhook; this singleton
 * reads the ledger for orders in a phase that still waits for something (or recently in a phase that notifies the
 * buyer, which may still owe the buyer a message) and not updated for a while, and sends each a
 * {@link OrderEntity.Wake}: recovery re-sends what the order still waits for, and an order with nothing to do
 * passivates again.
 */
public final class OrderSweeper {
  private OrderSweeper() {}

  private static final List<String> WAITING =
      Phase.ofExistingOrders().stream().filter(Phase::waitsForSomething).map(Phase::name).toList();
  private static final List<String> NOTIFYING =
      Phase.ofExistingOrders().stream().filter(Phase::notifiesBuyer).map(Phase::name).toList();

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
        Instant recent = Instant.now().minus(Duration.ofMinutes(10));
        database.withConnection(c -> {
          List<String> keys = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement("SELECT order_key FROM orders WHERE updated_at < ? AND ("
              + "status IN (" + placeholders(WAITING) + ") OR (status IN (" + placeholders(NOTIFYING) + ") AND "
              + "updated_at > ?)) ORDER BY updated_at LIMIT 2000")) {
            int i = 1;
            s.setTimestamp(i++, Timestamp.from(before));
            for (String w : WAITING) s.setString(i++, w);
            for (String n : NOTIFYING) s.setString(i++, n);
            s.setTimestamp(i, Timestamp.from(recent));
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) keys.add(rs.getString(1));
            }
          }
          return keys;
        }).whenComplete((keys, error) -> {
          if (keys != null) {
            keys.forEach(k -> sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, k).tell(OrderEntity.Wake.INSTANCE));
          }
        });
        return Behaviors.same();
      });
    }));
  }

  private static String placeholders(List<String> values) {
    return String.join(",", values.stream().map(v -> "?").toList());
  }
}

package readside.ledger;

import akka.actor.typed.ActorSystem;
import infra.Database;
import infra.Metrics;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@code orchestrator_orders{state,channel}} gauge: every few seconds one GROUP BY over the ledger's
 * {@code orders} table (the read side, the same for every node), on the blocking JDBC dispatcher. A scrape only reads
 * the last result, so scrapes never wait for or add load on the database; at most one count runs at a time.
 */
public final class OrderStateCounts {
  private static final Logger log = LoggerFactory.getLogger(OrderStateCounts.class);

  private final Database database;
  private final Metrics metrics;
  private final int queryTimeoutSeconds;
  private final AtomicBoolean counting = new AtomicBoolean();

  private OrderStateCounts(Database database, Metrics metrics, Duration interval) {
    this.database = database;
    this.metrics = metrics;
    this.queryTimeoutSeconds = (int) Math.max(1, interval.toSeconds());
  }

  /** Counts now and then every {@code orchestrator.ledger.state-count-interval} until the system terminates. */
  public static void start(ActorSystem<?> system, Database database, Metrics metrics) {
    Duration interval = system.settings().config().getDuration("orchestrator.ledger.state-count-interval");
    OrderStateCounts counts = new OrderStateCounts(database, metrics, interval);
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, counts::count, system.executionContext());
  }

  /** Starts a count unless the previous one is still running (a slow database gets no pile of queries). */
  void count() {
    if (!counting.compareAndSet(false, true)) return;
    database.withConnection(c -> {
      Map<Metrics.OrderGroup, Long> counts = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT status, channel, COUNT(*) FROM orders GROUP BY status, channel")) {
        s.setQueryTimeout(queryTimeoutSeconds);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) counts.put(new Metrics.OrderGroup(rs.getString(1), rs.getString(2)), rs.getLong(3));
        }
      }
      return counts;
    }).whenComplete((counts, error) -> {
      counting.set(false);
      if (error != null) log.debug("Counting orders by state failed (gauge keeps the last count): {}", error.toString());
      else metrics.ordersCounted(counts);
    });
  }
}

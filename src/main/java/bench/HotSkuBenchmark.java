package bench;

import actors.SkuEntity;
import actors.SkuEntity.ReservationReply;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import app.AppConfig;
import app.Node;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code orchestrator bench-sku}: reservations per second on ONE hot SKU through the sharded SKU entity on the
 * PostgreSQL journal, next to a row-lock baseline (a conditional UPDATE of one stock row) with the same number of
 * concurrent clients, in the same run. Each actor client tells Reserve with its own reply-to and sends the next when
 * answered; each JDBC client does the same with a blocking UPDATE on its own thread and pooled connection.
 *
 * <p>Database: ORCH_DB_URL / ORCH_DB_USER / ORCH_DB_PASSWORD (default jdbc:postgresql://127.0.0.1:5432/orchestrator_bench,
 * user postgres). The database name must contain "bench": it is created when missing and its tables are emptied.
 */
public final class HotSkuBenchmark {

  private HotSkuBenchmark() {}

  record Options(int clients, int warmupSeconds, int seconds, String mode) {
    static Options parse(String[] args) {
      Map<String, String> o = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
      return new Options(Integer.parseInt(o.getOrDefault("clients", "64")),
          Integer.parseInt(o.getOrDefault("warmup", "5")), Integer.parseInt(o.getOrDefault("seconds", "15")),
          o.getOrDefault("mode", "reserve"));
    }
  }

  record Result(String name, long operations, double seconds, Histogram latency) {
    double perSecond() {
      return operations / seconds;
    }

    String line() {
      return String.format("%-28s %,10.0f reservations/s   p50 %6.2f ms   p99 %7.2f ms   max %7.2f ms   (%,d in %.1f s)",
          name, perSecond(), latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6, operations, seconds);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    String url = env("ORCH_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orchestrator_bench");
    String user = env("ORCH_DB_USER", "postgres");
    String password = env("ORCH_DB_PASSWORD", "");
    prepareDatabase(url, user, password);
    System.out.printf("Hot SKU benchmark: %d clients, %d s warm-up, %d s measured, mode %s, database %s%n",
        options.clients(), options.warmupSeconds(), options.seconds(), options.mode(), url);

    Result actors = runEntity(options, url, user, password);
    System.out.println(actors.line());
    Result rowLock = runRowLock(options, url, user, password);
    System.out.println(rowLock.line());
    System.out.printf("Ratio SKU entity / row lock: %.1fx%n", actors.perSecond() / rowLock.perSecond());
    System.exit(0);
  }

  // ------------------------------------------------------------------ SKU entity

  private static Result runEntity(Options options, String url, String user, String password) throws Exception {
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.db.profile", "postgres");
    settings.put("orchestrator.db.postgres.url", url);
    settings.put("orchestrator.db.postgres.user", user);
    settings.put("orchestrator.db.postgres.password", password);
    settings.put("orchestrator.http.port", 0);
    settings.put("akka.remote.artery.canonical.port", 0);
    settings.put("akka.management.http.port", 0);
    settings.put("akka.coordinated-shutdown.exit-jvm", "off");
    settings.put("akka.loglevel", "WARNING");
    Config config = AppConfig.load(ConfigFactory.parseMap(settings));
    try (Node node = Node.start(config)) {
      var system = node.system();
      String sku = "HOT-" + System.currentTimeMillis();
      EntityRef<SkuEntity.Command> entity = ClusterSharding.get(system).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
      entity.<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(1_000_000_000, false, "bench", r),
          Duration.ofSeconds(30)).toCompletableFuture().get(60, TimeUnit.SECONDS);

      Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
      AtomicLong reserved = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      Flag running = new Flag();
      boolean release = options.mode().equals("reserve-release");
      for (int i = 0; i < options.clients(); i++) {
        system.systemActorOf(client(entity, sku, "c" + i, recorder, reserved, refused, running, release),
            "bench-client-" + i, Props.empty());
      }
      Thread.sleep(options.warmupSeconds() * 1000L);
      recorder.reset();
      long start = System.nanoTime();
      long before = reserved.get();
      Thread.sleep(options.seconds() * 1000L);
      long count = reserved.get() - before;
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram latency = recorder.getIntervalHistogram();
      running.on = false;
      if (refused.get() > 0) System.out.println("  (refused replies during the run: " + refused.get() + ")");
      Thread.sleep(500);
      SkuEntity.Summary summary = entity.<SkuEntity.Summary>askWithStatus(SkuEntity.GetState::new, Duration.ofSeconds(30))
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.printf("  entity after the run: %,d events, %,d reservations held%n",
          summary.eventSeq(), summary.reservations().size());
      return new Result("SKU entity (batched)", count, seconds, latency);
    }
  }

  static final class Flag {
    volatile boolean on = true;
  }

  private static Behavior<ReservationReply> client(EntityRef<SkuEntity.Command> entity, String sku, String name,
      Recorder recorder, AtomicLong reserved, AtomicLong refused, Flag running, boolean release) {
    return Behaviors.setup(ctx -> {
      ActorRef<ReservationReply> self = ctx.getSelf();
      long[] sentAt = {System.nanoTime()};
      long[] next = {0};
      entity.tell(new SkuEntity.Reserve(name + "-" + next[0]++, 1, null, self));
      return Behaviors.receiveMessage(reply -> {
        if (reply instanceof SkuEntity.Released) {
          // release answered: the next reservation
        } else {
          recorder.recordValue(Math.min(System.nanoTime() - sentAt[0], TimeUnit.SECONDS.toNanos(60)));
          if (reply instanceof SkuEntity.Reserved r) {
            reserved.incrementAndGet();
            if (release && running.on) {
              entity.tell(new SkuEntity.Release(r.orderKey(), self));
              return Behaviors.same();
            }
          } else {
            refused.incrementAndGet();
          }
        }
        if (!running.on) return Behaviors.stopped();
        sentAt[0] = System.nanoTime();
        entity.tell(new SkuEntity.Reserve(name + "-" + next[0]++, 1, null, self));
        return Behaviors.same();
      });
    });
  }

  // ------------------------------------------------------------------ row-lock baseline

  private static Result runRowLock(Options options, String url, String user, String password) throws Exception {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    hikari.setUsername(user);
    hikari.setPassword(password);
    hikari.setMaximumPoolSize(options.clients());
    hikari.setMinimumIdle(options.clients());
    hikari.setPoolName("bench-row-lock");
    try (HikariDataSource pool = new HikariDataSource(hikari)) {
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS bench_stock (sku VARCHAR(64) PRIMARY KEY, available INT NOT NULL)");
        s.execute("DELETE FROM bench_stock");
        s.execute("INSERT INTO bench_stock VALUES ('HOT', 1000000000)");
      }
      Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
      AtomicLong reserved = new AtomicLong();
      Flag running = new Flag();
      ExecutorService threads = Executors.newFixedThreadPool(options.clients());
      List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < options.clients(); i++) {
        workers.add(threads.submit(() -> {
          try (Connection c = pool.getConnection();
               PreparedStatement update = c.prepareStatement(
                   "UPDATE bench_stock SET available = available - ? WHERE sku = ? AND available >= ?")) {
            c.setAutoCommit(true);
            while (running.on) {
              long t0 = System.nanoTime();
              update.setInt(1, 1);
              update.setString(2, "HOT");
              update.setInt(3, 1);
              if (update.executeUpdate() == 1) reserved.incrementAndGet();
              recorder.recordValue(Math.min(System.nanoTime() - t0, TimeUnit.SECONDS.toNanos(60)));
            }
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
          return null;
        }));
      }
      Thread.sleep(options.warmupSeconds() * 1000L);
      recorder.reset();
      long start = System.nanoTime();
      long before = reserved.get();
      Thread.sleep(options.seconds() * 1000L);
      long count = reserved.get() - before;
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram latency = recorder.getIntervalHistogram();
      running.on = false;
      for (var w : workers) w.get(60, TimeUnit.SECONDS);
      threads.shutdown();
      return new Result("row lock (UPDATE ... WHERE)", count, seconds, latency);
    }
  }

  // ------------------------------------------------------------------ database

  /** Creates the benchmark database when missing and empties it; refuses a database not named for benchmarks. */
  private static void prepareDatabase(String url, String user, String password) throws SQLException {
    String database = url.replaceFirst("^.*/", "").replaceFirst("\\?.*$", "");
    if (!database.contains("bench")) {
      throw new IllegalArgumentException("bench-sku empties its database: ORCH_DB_URL must name a database whose "
          + "name contains 'bench' (was '" + database + "')");
    }
    String admin = url.substring(0, url.lastIndexOf('/') + 1) + "postgres";
    try (Connection c = DriverManager.getConnection(admin, user, password); Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "") + "'");
      if (!rs.next()) s.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
    }
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      app.SchemaApplier.apply(c, "ddl/postgres");
      try (Statement s = c.createStatement()) {
        s.execute("TRUNCATE event_journal, event_tag, snapshot RESTART IDENTITY CASCADE");
      }
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

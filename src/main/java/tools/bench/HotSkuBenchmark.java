package tools.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import app.Node;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import infra.AppConfig;
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
import sku.SkuEntity.ReservationReply;
import sku.SkuEntity;
import sku.SkuSettings;

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

  /**
   * {@code compareLinger} rounds > 0: instead of one run of the configured entity, that many rounds of the entity
   * with the linger off and on (alternating which goes first), each with a row-lock run, and the ratios.
   */
  record Options(int clients, int warmupSeconds, int seconds, String mode, int compareLinger, Duration linger,
                 int lingerMinBatch, int history) {
    static Options parse(String[] args) {
      Map<String, String> o = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
      String mode = o.getOrDefault("mode", "reserve");
      if (!mode.equals("reserve") && !mode.equals("reserve-release")) {
        throw new IllegalArgumentException("--mode is reserve or reserve-release, was " + mode);
      }
      return new Options(Integer.parseInt(o.getOrDefault("clients", "64")),
          Integer.parseInt(o.getOrDefault("warmup", "5")), Integer.parseInt(o.getOrDefault("seconds", "15")),
          mode, Integer.parseInt(o.getOrDefault("compare-linger", "0")),
          ConfigFactory.parseString("d = " + o.getOrDefault("linger", "1ms")).getDuration("d"),
          Integer.parseInt(o.getOrDefault("linger-min-batch", "8")),
          Integer.parseInt(o.getOrDefault("history", "0")));
    }
  }

  record Result(String name, long operations, double seconds, Histogram latency, String note) {
    Result(String name, long operations, double seconds, Histogram latency) {
      this(name, operations, seconds, latency, "");
    }

    double perSecond() {
      return operations / seconds;
    }

    String line() {
      return String.format("%-28s %,10.0f reservations/s   p50 %6.2f ms   p99 %7.2f ms   max %7.2f ms   (%,d in %.1f s)%s",
          name, perSecond(), latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6, operations, seconds, note);
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
    if (options.compareLinger() > 0) {
      compareLinger(options, url, user, password);
      System.exit(0);
    }
    if (options.history() > 0) {
      measureLongHistory(options.history(), url, user, password);
      System.exit(0);
    }

    Result actors = runEntity(options, url, user, password);
    System.out.println(actors.line());
    Result rowLock = runRowLock(options, url, user, password);
    System.out.println(rowLock.line());
    System.out.printf("Ratio SKU entity / row lock: %.1fx%n", actors.perSecond() / rowLock.perSecond());
    System.exit(0);
  }

  // ------------------------------------------------------------------ SKU entity

  private static Config nodeConfig(String url, String user, String password) {
    return nodeConfig(url, user, password, Map.of());
  }

  private static Config nodeConfig(String url, String user, String password, Map<String, Object> extra) {
    Map<String, Object> settings = new HashMap<>(extra);
    settings.put("orchestrator.db.profile", "postgres");
    settings.put("orchestrator.db.postgres.url", url);
    settings.put("orchestrator.db.postgres.user", user);
    settings.put("orchestrator.db.postgres.password", password);
    settings.put("orchestrator.http.port", 0);
    settings.put("akka.remote.artery.canonical.port", 0);
    settings.put("akka.management.http.port", 0);
    settings.put("akka.coordinated-shutdown.exit-jvm", "off");
    settings.put("akka.loglevel", "WARNING");
    settings.putIfAbsent("orchestrator.shops.token-key", FlashSaleBenchmark.randomKey());
    return AppConfig.load(ConfigFactory.parseMap(settings));
  }

  private static Result runEntity(Options options, String url, String user, String password) throws Exception {
    try (Node node = Node.start(nodeConfig(url, user, password))) {
      var system = node.system();
      String sku = "HOT-" + System.currentTimeMillis();
      EntityRef<SkuEntity.Command> entity = ClusterSharding.get(system).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
      SkuSettings.Linger linger = SkuSettings.from(system.settings().config()).linger();
      Result result = runClients(system, entity, options, options.warmupSeconds(), options.seconds(),
          "SKU entity (batched)", "run", "   [linger " + (linger.on() ? linger.max().toNanos() / 1000 + " us" : "off") + "]");
      measureRecovery(system, sku);
      return result;
    }
  }

  // ------------------------------------------------------------------ recovery with a long history

  /**
   * {@code --history N}: a SKU with N + 2 events in its journal (a stock take, then N + 1 safety-stock events; the
   * N copies are written with one INSERT ... SELECT, the events themselves being real ones of the entity), recovered
   * by fresh incarnations: first with no snapshot (every event replayed; the journal's breaker timeout is raised
   * for this), then, after that incarnation has written once more (its first write takes a snapshot) and then 999
   * writes (one short of the next snapshot), with the snapshot and 999 events to replay: a small SKU's worst case.
   */
  private static void measureLongHistory(int history, String url, String user, String password) throws Exception {
    Map<String, Object> patient = Map.of(
        "akka.persistence.journal-plugin-fallback.circuit-breaker.call-timeout", "600s",
        "akka.persistence.snapshot-store-plugin-fallback.circuit-breaker.call-timeout", "600s");
    try (Node node = Node.start(nodeConfig(url, user, password, patient))) {
      var system = node.system();
      ClusterSharding sharding = ClusterSharding.get(system);
      String sku = "HIST-" + System.currentTimeMillis();
      EntityRef<SkuEntity.Command> original = sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
      original.<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(100, false, "bench", r),
          Duration.ofSeconds(30)).toCompletableFuture().get(60, TimeUnit.SECONDS);
      safetyStock(original, 0);
      String persistenceId = SkuEntity.persistenceId(sku).id();
      long start = System.nanoTime();
      try (Connection c = DriverManager.getConnection(url, user, password);
           PreparedStatement copy = c.prepareStatement(
               "INSERT INTO event_journal (persistence_id, sequence_number, deleted, writer, write_timestamp, "
                   + "adapter_manifest, event_ser_id, event_ser_manifest, event_payload, meta_ser_id, meta_ser_manifest, "
                   + "meta_payload) SELECT persistence_id, g, deleted, writer, write_timestamp, adapter_manifest, "
                   + "event_ser_id, event_ser_manifest, event_payload, meta_ser_id, meta_ser_manifest, meta_payload "
                   + "FROM event_journal, generate_series(3, ?) g WHERE persistence_id = ? AND sequence_number = 2");
           Statement analyze = c.createStatement()) {
        copy.setLong(1, history + 2L);
        copy.setString(2, persistenceId);
        copy.executeUpdate();
        analyze.execute("ANALYZE event_journal");
      }
      System.out.printf("  %s: %,d events in the journal (written in %.1f s)%n", sku, history + 2L,
          (System.nanoTime() - start) / 1e9);

      EntityRef<SkuEntity.Command> first = freshIncarnation(sharding, "SkuHistoryBench1", sku);
      double noSnapshot = timedRead(first);
      System.out.printf("  recovery without a snapshot: %.0f ms, %,d events replayed%n", noSnapshot,
          summary(first).replayedOnRecovery());
      safetyStock(first, 0); // snapshot due: 1,000+ events since the last (none), no reservations held
      Thread.sleep(3000); // the snapshot is written
      for (int i = 0; i < 999; i++) safetyStock(first, i % 2);
      EntityRef<SkuEntity.Command> second = freshIncarnation(sharding, "SkuHistoryBench2", sku);
      double withSnapshot = timedRead(second);
      SkuEntity.Summary s = summary(second);
      System.out.printf("  recovery from the snapshot: %.0f ms, %,d events replayed after it, at seq %,d%n",
          withSnapshot, s.replayedOnRecovery(), s.eventSeq());
    }
  }

  private static void safetyStock(EntityRef<SkuEntity.Command> entity, int value) throws Exception {
    entity.<SkuEntity.Summary>askWithStatus(r -> new SkuEntity.SetSafetyStock(value, "bench", r), Duration.ofSeconds(30))
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static EntityRef<SkuEntity.Command> freshIncarnation(ClusterSharding sharding, String type, String sku) {
    EntityTypeKey<SkuEntity.Command> key = EntityTypeKey.create(SkuEntity.Command.class, type);
    sharding.init(Entity.of(key, ctx -> SkuEntity.create(ctx.getEntityId())));
    return sharding.entityRefFor(key, sku);
  }

  /** Milliseconds until a (fresh) incarnation answers its first read: its recovery. */
  private static double timedRead(EntityRef<SkuEntity.Command> entity) throws Exception {
    long start = System.nanoTime();
    entity.<SkuEntity.Stock>askWithStatus(SkuEntity.GetStock::new, Duration.ofSeconds(600))
        .toCompletableFuture().get(610, TimeUnit.SECONDS);
    return (System.nanoTime() - start) / 1e6;
  }

  /**
   * How long the hot SKU takes to recover after the run: a second, fresh incarnation of it (another entity type on
   * the same persistence id; it only reads) answers its first read after loading the latest snapshot and replaying
   * the events after it.
   */
  private static void measureRecovery(akka.actor.typed.ActorSystem<?> system, String sku) throws Exception {
    EntityRef<SkuEntity.Command> fresh = freshIncarnation(ClusterSharding.get(system), "SkuRecoveryBench", sku);
    double millis = timedRead(fresh);
    SkuEntity.Summary summary = summary(fresh);
    System.out.printf("  recovery of %s (%,d events, %,d reservations held): %.0f ms, %,d events replayed after the "
        + "latest snapshot%n", sku, summary.eventSeq(), summary.reservations().size(), millis,
        summary.replayedOnRecovery());
  }

  /** Runs the actor clients against one SKU entity (its stock set first) and stops them. */
  private static Result runClients(akka.actor.typed.ActorSystem<?> system, EntityRef<SkuEntity.Command> entity,
      Options options, int warmupSeconds, int measuredSeconds, String name, String runName, String note)
      throws Exception {
    String sku = entity.getEntityId();
    entity.<SkuEntity.StockResult>askWithStatus(r -> new SkuEntity.SetStock(1_000_000_000, false, "bench", r),
        Duration.ofSeconds(30)).toCompletableFuture().get(60, TimeUnit.SECONDS);

    Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong reserved = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    Flag running = new Flag();
    boolean release = options.mode().equals("reserve-release");
    for (int i = 0; i < options.clients(); i++) {
      system.systemActorOf(client(entity, sku, "c" + i, recorder, reserved, refused, running, release),
          "bench-client-" + runName + "-" + i, Props.empty());
    }
    Thread.sleep(warmupSeconds * 1000L);
    recorder.reset();
    long start = System.nanoTime();
    long before = reserved.get();
    long eventsBefore = summary(entity).eventSeq();
    Thread.sleep(measuredSeconds * 1000L);
    long count = reserved.get() - before;
    double seconds = (System.nanoTime() - start) / 1e9;
    Histogram latency = recorder.getIntervalHistogram();
    running.on = false;
    if (refused.get() > 0) System.out.println("  (refused replies during the run: " + refused.get() + ")");
    Thread.sleep(500);
    SkuEntity.Summary after = summary(entity);
    long writes = after.eventSeq() - eventsBefore;
    System.out.printf("  %s: %,d events in all, %,d reservations held; measured: ~%,d writes, ~%.1f reservations per write%n",
        sku, after.eventSeq(), after.reservations().size(), writes, writes == 0 ? 0.0 : (double) count / writes);
    return new Result(name, count, seconds, latency, note);
  }

  private static SkuEntity.Summary summary(EntityRef<SkuEntity.Command> entity) throws Exception {
    return entity.<SkuEntity.Summary>askWithStatus(SkuEntity.GetState::new, Duration.ofSeconds(30))
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ linger off/on, in one run

  /** Entity type for the comparison: the same SKU entity, its linger chosen by the entity id's prefix. */
  private static final EntityTypeKey<SkuEntity.Command> COMPARE_KEY =
      EntityTypeKey.create(SkuEntity.Command.class, "SkuLingerBench");

  private static void compareLinger(Options options, String url, String user, String password) throws Exception {
    System.out.printf("Linger comparison: %d rounds; linger on = max %d us, min batch %d; load average %s%n",
        options.compareLinger(), options.linger().toNanos() / 1000, options.lingerMinBatch(), loadAverage());
    List<Result> off = new ArrayList<>();
    List<Result> on = new ArrayList<>();
    List<Result> rowLock = new ArrayList<>();
    try (Node node = Node.start(nodeConfig(url, user, password))) {
      var system = node.system();
      SkuSettings base = SkuSettings.from(system.settings().config());
      SkuSettings.Linger lingerOn = new SkuSettings.Linger(options.linger(), options.lingerMinBatch());
      ClusterSharding sharding = ClusterSharding.get(system);
      sharding.init(Entity.of(COMPARE_KEY, ctx -> SkuEntity.create(ctx.getEntityId(),
          base.withLinger(ctx.getEntityId().startsWith("on-") ? lingerOn : SkuSettings.Linger.OFF))));
      long stamp = System.currentTimeMillis();
      // JIT and connection pool warm-up for both variants, not counted (the first runs of a JVM are slower)
      for (String variant : List.of("off-", "on-")) {
        runClients(system, sharding.entityRefFor(COMPARE_KEY, variant + "WARMUP-" + stamp), options,
            options.warmupSeconds(), 1, "warm-up", variant + "warmup", "");
      }
      for (int round = 1; round <= options.compareLinger(); round++) {
        boolean offFirst = round % 2 == 1;
        for (int k = 0; k < 2; k++) {
          boolean lingering = (k == 0) != offFirst;
          String sku = (lingering ? "on-" : "off-") + "HOT-" + stamp + "-" + round;
          Result r = runClients(system, sharding.entityRefFor(COMPARE_KEY, sku), options, options.warmupSeconds(),
              options.seconds(), "round " + round + " linger " + (lingering ? "on" : "off"), sku, "");
          System.out.println(r.line());
          (lingering ? on : off).add(r);
        }
        Result baseline = runRowLock(options, url, user, password);
        baseline = new Result("round " + round + " row lock", baseline.operations(), baseline.seconds(),
            baseline.latency(), "");
        System.out.println(baseline.line());
        rowLock.add(baseline);
      }
    }
    System.out.printf("%nLoad average after: %s%n", loadAverage());
    System.out.printf("Median linger off: %s%n", median(off).line());
    System.out.printf("Median linger on:  %s%n", median(on).line());
    System.out.printf("Median row lock:   %s%n", median(rowLock).line());
    for (int i = 0; i < on.size(); i++) {
      System.out.printf("Round %d: linger on / off %.2fx, on / row lock %.1fx, off / row lock %.1fx%n", i + 1,
          on.get(i).perSecond() / off.get(i).perSecond(), on.get(i).perSecond() / rowLock.get(i).perSecond(),
          off.get(i).perSecond() / rowLock.get(i).perSecond());
    }
    List<Double> onOff = new ArrayList<>();
    for (int i = 0; i < on.size(); i++) onOff.add(on.get(i).perSecond() / off.get(i).perSecond());
    onOff.sort(null);
    System.out.printf("Medians: linger on / off %.2fx (median of the rounds' ratios %.2fx), on / row lock %.1fx, "
            + "off / row lock %.1fx%n", median(on).perSecond() / median(off).perSecond(), onOff.get((onOff.size() - 1) / 2),
        median(on).perSecond() / median(rowLock).perSecond(), median(off).perSecond() / median(rowLock).perSecond());
  }

  /** The run with the median throughput (its own latencies). */
  private static Result median(List<Result> results) {
    List<Result> sorted = new ArrayList<>(results);
    sorted.sort(java.util.Comparator.comparingDouble(Result::perSecond));
    return sorted.get((sorted.size() - 1) / 2);
  }

  private static String loadAverage() {
    try {
      return String.join(" ", java.util.Arrays.copyOf(
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split(" "), 3));
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
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
        if (reply instanceof SkuEntity.ReleaseAccepted) {
          // release answered: the next reservation
        } else {
          recorder.recordValue(Math.min(System.nanoTime() - sentAt[0], TimeUnit.SECONDS.toNanos(60)));
          if (reply instanceof SkuEntity.ReserveAccepted r) {
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
    infra.SchemaMigrator.migrate(url, user, password, "postgres");
    try (Connection c = DriverManager.getConnection(url, user, password)) {
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

package infra;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's metrics: one Prometheus registry per actor system, scraped at {@code GET :8558/metrics}
 * ({@code http.MetricsRouteProvider}). Entities and routes record through the few methods here; everything else
 * (JVM, dispatcher, and what other packages register, such as marketplace call outcomes and circuit breakers) is read
 * at scrape time.
 */
public final class Metrics implements Extension {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);

  public static final class Id extends ExtensionId<Metrics> {
    private static final Id INSTANCE = new Id();

    @Override
    public Metrics createExtension(ActorSystem<?> system) {
      return new Metrics(system);
    }
  }

  public static Metrics get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ActorSystem<?> system;
  private final DistributionSummary skuBatchSize;
  private final Timer skuBatchWrite;
  private final Timer skuJournalWrite;
  private final Timer orderJournalWrite;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

  /** Orders in one ledger state on one channel (labels of {@code orchestrator_orders}). */
  public record OrderGroup(String state, String channel) {}

  /** The last count of the ledger by state and channel; groups seen before and now empty read 0. */
  private volatile Map<OrderGroup, Long> orderCounts = Map.of();
  private volatile long ordersCountedAtNanos;
  private final Set<OrderGroup> orderGauges = ConcurrentHashMap.newKeySet();
  /** Run before every scrape: meters whose label sets appear while the node runs are registered there. */
  private final List<Runnable> scrapeHooks = new CopyOnWriteArrayList<>();
  private final Map<String, Counter> stockPushCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> stalenessTimers = new ConcurrentHashMap<>();

  private Metrics(ActorSystem<?> system) {
    this.system = system;
    registry.config().commonTags("node", system.address().toString());
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("akka_actor_system_uptime_seconds", system, s -> s.uptime())
        .description("seconds since the actor system started").register(registry);
    bindDefaultDispatcher();
    skuBatchSize = DistributionSummary.builder("orchestrator_sku_batch_size")
        .description("reservation commands written in one SKU journal write")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
        .register(registry);
    skuBatchWrite = Timer.builder("orchestrator_sku_batch_write")
        .description("SKU batch round trip: sent to the persistent part until its events are in the journal")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    Gauge.builder("orchestrator_orders_count_age_seconds", this,
            m -> m.ordersCountedAtNanos == 0 ? Double.NaN : (System.nanoTime() - m.ordersCountedAtNanos) / 1e9)
        .description("seconds since orchestrator_orders was last counted from the ledger (NaN: not yet)")
        .register(registry);
    skuJournalWrite = journalWriteTimer("sku");
    orderJournalWrite = journalWriteTimer("order");
    system.getWhenTerminated().thenRun(() -> {
      gcMetrics.close();
      registry.close();
    });
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every meter, with every scrape hook run first. */
  public String scrape() {
    scrapeHooks.forEach(Runnable::run);
    return registry.scrape();
  }

  /** Runs {@code hook} before every scrape, to register meters in {@link #registry()} that appeared since the last. */
  public void beforeScrape(Runnable hook) {
    scrapeHooks.add(hook);
  }

  // ------------------------------------------------------------------ hooks used by entities and routes

  /** A SKU batch of {@code size} reservation or admin commands was written (or failed) after {@code nanos}. */
  public void skuBatchWritten(int size, long nanos) {
    skuBatchSize.record(size);
    skuBatchWrite.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A SKU's persistent part wrote one event (a batch) to the journal in {@code nanos}: persist until its callback. */
  public void skuEventsWritten(long nanos) {
    skuJournalWrite.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * A stock push call for {@code listings} listings of one shop ended: {@code acknowledged} of them taken by the
   * marketplace, the rest failed (whole call or per listing).
   */
  public void stockPushed(String channel, String shopId, int acknowledged, int failed) {
    if (acknowledged > 0) stockPushCounter(channel, shopId, "acknowledged").increment(acknowledged);
    if (failed > 0) stockPushCounter(channel, shopId, "failed").increment(failed);
  }

  /** Meters are built once per label set and kept: every acknowledged push records here. */
  private Counter stockPushCounter(String channel, String shopId, String result) {
    return stockPushCounters.computeIfAbsent(channel + "|" + shopId + "|" + result, k ->
        Counter.builder("orchestrator_stock_sync_listings").description("listing values pushed, by outcome")
            .tags("channel", channel, "shop", shopId, "result", result).register(registry));
  }

  /** A live SKU write reached the marketplace {@code staleness} after it happened (see marketplace.stock.StockStaleness). */
  public void stockStaleness(String channel, Duration staleness) {
    stalenessTimers.computeIfAbsent(channel, c -> Timer.builder("orchestrator_stock_sync_staleness")
        .description("SKU write to marketplace acknowledgement of that value or a newer one (live writes only)")
        .tags("channel", c)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry)).record(staleness);
  }

  /** An order entity wrote its events of one command to the journal in {@code nanos}: persist until its callback. */
  public void orderEventsWritten(long nanos) {
    orderJournalWrite.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The ledger's orders per state and channel (the whole cluster's, from the read side), counted off the actor
   * threads by {@code readside.ledger.OrderStateCounts}. Scrapes read this last count.
   */
  public void ordersCounted(Map<OrderGroup, Long> counts) {
    orderCounts = Map.copyOf(counts);
    ordersCountedAtNanos = System.nanoTime();
    for (OrderGroup group : counts.keySet()) {
      if (!orderGauges.add(group)) continue;
      Gauge.builder("orchestrator_orders", this, m -> m.orderCounts.getOrDefault(group, 0L))
          .description("orders currently in each ledger state, per channel (whole cluster, read side; "
              + "see orchestrator_orders_count_age_seconds)")
          .tag("state", group.state()).tag("channel", group.channel())
          .register(registry);
    }
  }

  /** An order entered {@code phase} on this node after a persisted event (replays during recovery not counted). */
  public void orderEntered(String phase) {
    Counter.builder("orchestrator_order_transitions").tag("phase", phase)
        .description("phase transitions of orders on this node since it started (a count of entries, not of "
            + "orders now in a phase: that is orchestrator_orders)")
        .register(registry).increment();
  }

  /** A webhook answered {@code status} after {@code nanos}. */
  public void webhookAnswered(String channel, int status, long nanos) {
    Timer.builder("orchestrator_webhook_requests").tag("channel", channel).tag("status", Integer.toString(status))
        .description("marketplace webhooks by channel and answer, with latency")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** An admin request was refused by authentication or authorisation. */
  public void adminRefused(int status) {
    Counter.builder("orchestrator_admin_refused").tag("status", Integer.toString(status))
        .description("admin requests refused (401 no or unknown token, 403 role too weak)")
        .register(registry).increment();
  }

  // ------------------------------------------------------------------ read at scrape time

  private Timer journalWriteTimer(String entity) {
    return Timer.builder("orchestrator_journal_write").tag("entity", entity)
        .description("journal writes of an entity: from the command handler's persist until the write's callback")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /**
   * The default dispatcher's fork-join pool, when it is one: parallelism, active and running threads, queued tasks.
   * Akka keeps the pool behind {@code Dispatcher.executorService()}; if that ever changes, the gauges are skipped.
   */
  private void bindDefaultDispatcher() {
    try {
      Object dispatcher = system.dispatchers().lookup(DispatcherSelector.defaultDispatcher());
      if (!(dispatcher instanceof akka.dispatch.Dispatcher d)) return;
      Object executor = d.executorService().executor();
      if (!(executor instanceof ForkJoinPool pool)) return;
      String name = "akka_dispatcher_default";
      Gauge.builder(name + "_parallelism", pool, ForkJoinPool::getParallelism).register(registry);
      Gauge.builder(name + "_active_threads", pool, ForkJoinPool::getActiveThreadCount).register(registry);
      Gauge.builder(name + "_running_threads", pool, ForkJoinPool::getRunningThreadCount).register(registry);
      Gauge.builder(name + "_queued_tasks", pool, p -> p.getQueuedTaskCount() + p.getQueuedSubmissionCount())
          .register(registry);
    } catch (RuntimeException | LinkageError e) {
      log.info("Default dispatcher figures not exported: {}", e.toString());
    }
  }
}

package http.admin;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import common.Ids;
import http.Json;
import http.Replies;
import infra.Database;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import marketplace.stock.StalenessGathering;
import marketplace.stock.StockStaleness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import readside.ledger.OrderCharts;
import sku.SkuEntity;
import sku.SkuTimeline;

/**
 * What the dashboard's charts draw: {@code GET /admin/charts/orders} (orders per time bucket by channel and
 * status, from the ledger), {@code GET /admin/charts/sync} (the cluster's stock-push staleness and the forced
 * cancellations per bucket) and {@code GET /admin/skus/{sku}/timeline} (a SKU's quantities after each of its events).
 */
public final class ChartRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ChartRoutes.class);
  private static final Set<String> WINDOW = Set.of("minutes", "bucket");
  private static final int MAX_BUCKETS = 360;

  public record OrderSeries(String channel, String status, long[] counts) {}

  public record OrdersChart(Instant from, Instant to, int bucketSeconds, List<Instant> buckets, List<OrderSeries> series) {}

  public record ChannelCounts(String channel, long[] counts) {}

  /**
   * {@code nodes}: the cluster nodes whose pushes {@code staleness} counts; {@code missingNodes}: members that did not
   * answer in time (or run no reporter), their pushes not in it.
   */
  public record SyncChart(Instant from, Instant to, int bucketSeconds, List<Instant> buckets, List<String> nodes,
                          List<StalenessGathering.Missing> missingNodes, List<StockStaleness.ChannelSeries> staleness,
                          List<ChannelCounts> forcedCancellations) {}

  /** The buckets a request asked for: {@code count} of {@code seconds} from {@code first} (epoch seconds). */
  record Window(long first, int seconds, int count) {
    Instant from() { return Instant.ofEpochSecond(first); }
    Instant to() { return Instant.ofEpochSecond(first + (long) seconds * count); }
    List<Instant> starts() {
      List<Instant> starts = new ArrayList<>();
      for (int i = 0; i < count; i++) starts.add(Instant.ofEpochSecond(first + (long) i * seconds));
      return starts;
    }
  }

  private final ActorSystem<?> system;
  private final OrderCharts charts;
  private final Json json;
  private final Replies replies;
  private final StalenessGathering gathering;

  public ChartRoutes(ActorSystem<?> system, Database database, Json json) {
    this.system = system;
    this.charts = new OrderCharts(database);
    this.json = json;
    this.replies = new Replies(json);
    this.gathering = new StalenessGathering(system);
  }

  public Route route() {
    return pathPrefix("admin", () -> concat(
        path(PathMatchers.segment("charts").slash("orders"), () -> get(() -> parameterMap(p -> window(p, this::orders)))),
        path(PathMatchers.segment("charts").slash("sync"), () -> get(() -> parameterMap(p -> window(p, this::sync)))),
        path(PathMatchers.segment("skus").slash(PathMatchers.segment()).slash("timeline"),
            sku -> get(() -> parameterMap(p -> timeline(sku, p))))));
  }

  private Route orders(Window w) {
    return answer(charts.ordersPerBucket(w.from(), w.to(), w.seconds()).thenApply(counts -> {
      List<OrderSeries> series = new ArrayList<>();
      OrderCharts.series(counts, w.first(), w.seconds(), w.count())
          .forEach((key, values) -> series.add(new OrderSeries(key.get(0), key.get(1), values)));
      return new OrdersChart(w.from(), w.to(), w.seconds(), w.starts(), series);
    }));
  }

  private Route sync(Window w) {
    var staleness = gathering.gather(w.first(), w.seconds(), w.count());
    return answer(charts.forcedCancellations(w.from(), w.to(), w.seconds()).thenCombine(staleness, (counts, pushes) -> {
      List<ChannelCounts> forced = new ArrayList<>();
      OrderCharts.series(counts, w.first(), w.seconds(), w.count())
          .forEach((key, values) -> forced.add(new ChannelCounts(key.get(0), values)));
      return new SyncChart(w.from(), w.to(), w.seconds(), w.starts(), pushes.nodes(), pushes.missing(),
          pushes.staleness(), forced);
    }));
  }

  private Route timeline(String sku, Map<String, String> params) {
    String invalid = SkuEntity.skuError(sku) != null ? SkuEntity.skuError(sku) : Ids.checkId("SKU code", sku);
    if (invalid != null) return replies.error(StatusCodes.BAD_REQUEST, invalid);
    int limit;
    try {
      for (String name : params.keySet()) {
        if (!name.equals("limit")) throw new IllegalArgumentException("unknown parameter '" + name + "' (expected limit)");
      }
      limit = QueryParams.integer(params, "limit", 500, 1, 5000);
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return onComplete(SkuTimeline.read(system, sku, limit), outcome -> {
      if (outcome.isFailure()) {
        log.warn("SKU timeline of {} could not be read", sku, outcome.failed().get());
        return replies.error(StatusCodes.SERVICE_UNAVAILABLE, "the journal could not be read; retry later");
      }
      if (outcome.get().events() == 0) return replies.error(StatusCodes.NOT_FOUND, "no SKU '" + sku + "'");
      return complete(StatusCodes.OK, outcome.get(), json.marshaller());
    });
  }

  /** minutes 1..1440 (default 60), bucket 10..3600 s in steps of 10 (default 60), at most 360 buckets. */
  private Route window(Map<String, String> params, Function<Window, Route> then) {
    Window w;
    try {
      for (String name : params.keySet()) {
        if (!WINDOW.contains(name)) throw new IllegalArgumentException("unknown parameter '" + name + "' (expected minutes, bucket)");
      }
      int minutes = QueryParams.integer(params, "minutes", 60, 1, 1440);
      int bucket = QueryParams.integer(params, "bucket", 60, StockStaleness.SLOT_SECONDS, 3600);
      if (bucket % StockStaleness.SLOT_SECONDS != 0) {
        throw new IllegalArgumentException("bucket must be a multiple of " + StockStaleness.SLOT_SECONDS + " seconds, not " + bucket);
      }
      int count = (int) Math.ceil(minutes * 60.0 / bucket);
      if (count > MAX_BUCKETS) {
        throw new IllegalArgumentException("minutes=" + minutes + " in buckets of " + bucket + " s is " + count
            + " buckets; at most " + MAX_BUCKETS + " (use a larger bucket)");
      }
      long last = Math.floorDiv(Instant.now().getEpochSecond(), bucket) * bucket;
      w = new Window(last - (long) (count - 1) * bucket, bucket, count);
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return then.apply(w);
  }

  private <T> Route answer(CompletionStage<T> answer) {
    return onComplete(answer, outcome -> {
      if (outcome.isSuccess()) return complete(StatusCodes.OK, outcome.get(), json.marshaller());
      log.warn("Chart query failed", outcome.failed().get());
      return replies.error(StatusCodes.SERVICE_UNAVAILABLE, "the ledger database is unavailable; retry later");
    });
  }
}

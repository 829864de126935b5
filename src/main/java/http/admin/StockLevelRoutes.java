package http.admin;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.Json;
import http.Replies;
import infra.Database;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import readside.stocklevels.StockLevelQueries;

/**
 * {@code GET /admin/skus}: stock levels of every SKU from the read side (paged JSON), optionally only low stock
 * ({@code lowStock=true}: available at most {@code threshold}, default {@code orchestrator.stock-levels.low-stock-threshold}).
 * Matches the path end only: {@link SkuRoutes} serves {@code /admin/skus/{sku}...} and rejects this path, and this
 * route rejects everything below it, so their order in the route list does not matter.
 */
public final class StockLevelRoutes extends AllDirectives {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;
  private static final Set<String> PARAMETERS = Set.of("limit", "offset", "lowStock", "threshold", "q", "sort");
  private static final Logger log = LoggerFactory.getLogger(StockLevelRoutes.class);

  private final StockLevelQueries queries;
  private final int defaultThreshold;
  private final Json json;
  private final Replies replies;

  public StockLevelRoutes(ActorSystem<?> system, Database database, Json json) {
    this.queries = new StockLevelQueries(system, database);
    this.defaultThreshold = system.settings().config().getInt("orchestrator.stock-levels.low-stock-threshold");
    this.json = json;
    this.replies = new Replies(json);
  }

  public Route route() {
    return pathPrefix("admin", () -> path("skus", () -> get(() -> parameterMap(this::list))));
  }

  private Route list(Map<String, String> params) {
    int limit;
    int offset;
    Integer threshold;
    boolean lowestFirst;
    String search;
    try {
      for (String name : params.keySet()) {
        if (!PARAMETERS.contains(name)) {
          throw new IllegalArgumentException("unknown parameter '" + name + "' (expected limit, offset, lowStock, threshold, q, sort)");
        }
      }
      limit = QueryParams.integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      offset = QueryParams.integer(params, "offset", 0, 0, Integer.MAX_VALUE);
      String lowStock = params.getOrDefault("lowStock", "false").trim();
      if (!lowStock.equals("true") && !lowStock.equals("false")) {
        throw new IllegalArgumentException("lowStock must be true or false, not '" + lowStock + "'");
      }
      if (lowStock.equals("false") && params.containsKey("threshold")) {
        throw new IllegalArgumentException("threshold applies to lowStock=true only");
      }
      threshold = lowStock.equals("true") ? QueryParams.integer(params, "threshold", defaultThreshold, 0, Integer.MAX_VALUE) : null;
      String sort = params.getOrDefault("sort", threshold == null ? "sku" : "available").trim();
      if (!sort.equals("sku") && !sort.equals("available")) {
        throw new IllegalArgumentException("sort must be sku or available, not '" + sort + "'");
      }
      lowestFirst = sort.equals("available");
      search = params.get("q") == null || params.get("q").isBlank() ? null : params.get("q").trim();
      if (search != null && search.length() > 100) throw new IllegalArgumentException("q is limited to 100 characters");
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return onComplete(queries.list(threshold, search, lowestFirst, limit, offset), outcome -> {
      if (outcome.isSuccess()) return complete(StatusCodes.OK, outcome.get(), json.marshaller());
      log.warn("Stock level query failed", outcome.failed().get());
      return replies.error(StatusCodes.SERVICE_UNAVAILABLE, "the stock levels database is unavailable; retry later");
    });
  }
}

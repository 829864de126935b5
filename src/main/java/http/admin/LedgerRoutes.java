package http.admin;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.ContentDisposition;
import akka.http.javadsl.model.headers.ContentDispositionTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import common.Channel;
import common.Ids;
import http.Json;
import http.Replies;
import infra.Database;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import order.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import readside.ledger.OrderCsv;
import readside.ledger.OrderQueries;

/**
 * The order ledger over HTTP: {@code GET /admin/orders} (filtered, paged JSON), {@code GET /admin/orders.csv} (the
 * same filters, streamed) and {@code GET /admin/orders/summary} (counts per status and channel). Reads the
 * read-side tables only; never asks an entity. Registered after {@link OrderRoutes}: that one answers POST on
 * {@code /admin/orders} and everything below {@code /admin/orders/{channel}/{shop}/{id}}, and rejects the rest.
 */
public final class LedgerRoutes extends AllDirectives {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;
  private static final Set<String> FILTERS = Set.of("status", "channel", "shop", "from", "to", "q");
  /** A search is part of an order id, tracking number or name: longer text is a mistake, not a search. */
  private static final int MAX_SEARCH = 100;
  private static final Set<String> PAGING = Set.of("limit", "offset", "sort");
  private static final Logger log = LoggerFactory.getLogger(LedgerRoutes.class);

  private final OrderQueries queries;
  private final Json json;
  private final Replies replies;

  public LedgerRoutes(ActorSystem<?> system, Database database, Json json) {
    this.queries = new OrderQueries(database,
        system.settings().config().getInt("orchestrator.ledger.export-page-size"));
    this.json = json;
    this.replies = new Replies(json);
  }

  public Route route() {
    return pathPrefix("admin", () -> concat(
        path("orders.csv", () -> get(() -> parameterMap(this::csv))),
        pathPrefix("orders", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> parameterMap(this::list))),
            path("summary", () -> get(() -> parameterMap(this::summary)))))));
  }

  private Route list(Map<String, String> params) {
    try {
      check(params, true);
      OrderQueries.Filter filter = filter(params);
      int limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      int offset = integer(params, "offset", 0, 0, Integer.MAX_VALUE);
      String sort = blankToNull(params.get("sort")) == null ? "oldest" : params.get("sort").trim();
      if (!sort.equals("oldest") && !sort.equals("newest")) {
        throw new IllegalArgumentException("sort must be oldest or newest, not '" + sort + "'");
      }
      return answer(queries.list(filter, limit, offset, sort.equals("newest")));
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
  }

  private Route summary(Map<String, String> params) {
    try {
      check(params, false);
      return answer(queries.summary(filter(params)));
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
  }

  private Route csv(Map<String, String> params) {
    OrderQueries.Filter filter;
    try {
      check(params, false);
      filter = filter(params);
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    Source<ByteString, ?> body = Source.single(OrderCsv.header())
        .concat(queries.stream(filter).map(OrderCsv::row))
        .map(ByteString::fromString)
        // A failure after the 200 went out can only cut the body short: logged, so a short file has a cause.
        .log("orders-csv-export");
    return respondWithHeader(ContentDisposition.create(ContentDispositionTypes.ATTACHMENT,
            Map.of("filename", "orders.csv")),
        () -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.create(ContentTypes.TEXT_CSV_UTF8, body))));
  }

  private <T> Route answer(CompletionStage<T> result) {
    return onComplete(result, outcome -> {
      if (outcome.isSuccess()) return complete(StatusCodes.OK, outcome.get(), json.marshaller());
      log.warn("Order ledger query failed", outcome.failed().get());
      return replies.error(StatusCodes.SERVICE_UNAVAILABLE, "the order ledger database is unavailable; retry later");
    });
  }

  // --- parameters: anything unknown or malformed is a 400, so a typo never silently widens a filter

  private static void check(Map<String, String> params, boolean paging) {
    for (String name : params.keySet()) {
      if (FILTERS.contains(name) || (paging && PAGING.contains(name))) continue;
      throw new IllegalArgumentException("unknown parameter '" + name + "' (expected "
          + (paging ? "status, channel, shop, from, to, q, limit, offset, sort" : "status, channel, shop, from, to, q") + ")");
    }
  }

  private static OrderQueries.Filter filter(Map<String, String> params) {
    String status = blankToNull(params.get("status"));
    if (status != null) {
      status = status.toUpperCase(Locale.ROOT);
      List<String> phases = Phase.ofExistingOrders().stream().map(Phase::name).toList();
      if (!phases.contains(status)) {
        throw new IllegalArgumentException("unknown status '" + params.get("status") + "' (expected one of "
            + String.join(", ", phases) + ")");
      }
    }
    String channelKey = blankToNull(params.get("channel"));
    Channel channel = channelKey == null ? null : Channel.fromKey(channelKey.toLowerCase(Locale.ROOT));
    String shop = blankToNull(params.get("shop"));
    if (shop != null) {
      String invalid = Ids.checkId("shop", shop);
      if (invalid != null) throw new IllegalArgumentException(invalid);
    }
    Instant from = instant(params, "from");
    Instant to = instant(params, "to");
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    String search = blankToNull(params.get("q"));
    if (search != null && search.trim().length() > MAX_SEARCH) {
      throw new IllegalArgumentException("q is limited to " + MAX_SEARCH + " characters");
    }
    return new OrderQueries.Filter(status, channel, shop, from, to, search == null ? null : search.trim());
  }

  private static Instant instant(Map<String, String> params, String name) {
    String value = blankToNull(params.get(name));
    if (value == null) return null;
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2024-05-01T00:00:00Z, not '"
          + value + "'");
    }
  }

  private static int integer(Map<String, String> params, String name, int fallback, int min, int max) {
    String value = blankToNull(params.get(name));
    if (value == null) return fallback;
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < min || parsed > max) throw new NumberFormatException();
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number from " + min
          + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ", not '" + value + "'");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}

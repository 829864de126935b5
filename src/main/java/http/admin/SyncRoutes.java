package http.admin;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import com.fasterxml.jackson.annotation.JsonInclude;
import common.Futures;
import http.ApiErrors;
import http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import marketplace.stock.ListingSyncStore;
import marketplace.stock.StockStaleness;
import sku.Listing;
import sku.SkuEntity;
import stocksync.StockSync;

/**
 * Stock sync admin API: {@code GET /admin/skus/{sku}/sync} (per listing: what the SKU says it should show, what was
 * last pushed, its status), {@code POST /admin/skus/{sku}/push} (push the current values of all listings now),
 * {@code GET /admin/sync/failing}, {@code GET /admin/sync/staleness} (this node's figures; {@code DELETE} resets them) and
 * {@code POST /admin/sync/reconcile} (compare every listing with its marketplace now).
 */
public final class SyncRoutes extends AllDirectives {
  private static final int MAX_FAILING = 500;

  /**
   * One listing's sync. {@code status}: {@code in_sync} (acknowledged and equal to expected), {@code pending} (a
   * newer value is on its way or not pushed yet), {@code failed} (last push failed: {@code handling} says whether it
   * is retried with back-off, gave up after max-retries, or waits for the shop's pause), {@code blocked} (refused for
   * good: sent again only after a change or a push now), {@code not_applicable} (a WhatsApp listing of no configured catalogue).
   * {@code failureClass} and {@code handling} appear only when the last push failed with a known class.
   */
  public record ListingStatus(String listingKey, String channel, String shopId, Integer expected, long expectedEventSeq,
                              Integer lastValue, Long lastEventSeq, Instant pushedAt, Boolean acknowledged,
                              String lastError, Integer attempts, String status,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String failureClass,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String handling) {}

  public record SkuSync(String sku, int available, long eventSeq, List<ListingStatus> listings) {}

  public record Pushed(String sku, long eventSeq, int listings) {}

  private final ActorSystem<?> system;
  private final ListingSyncStore store;
  private final Json json;
  private final ApiErrors errors;
  private final Duration timeout;
  private final marketplace.MarketplaceConfig marketplaces;

  public SyncRoutes(ActorSystem<?> system, Json json) {
    this.system = system;
    this.marketplaces = StockSync.marketplaces(system);
    this.store = ListingSyncStore.get(system);
    this.json = json;
    this.errors = new ApiErrors(json);
    this.timeout = AskTimeout.of(system);
  }

  public Route route() {
    return pathPrefix("admin", () -> concat(
        pathPrefix("skus", () -> pathPrefix(sku -> {
          String skuError = SkuEntity.skuError(sku);
          if (skuError != null) return error(StatusCodes.BAD_REQUEST, "bad_request", skuError);
          return concat(
              path("sync", () -> get(() -> skuSync(sku))),
              path("push", () -> post(() -> pushNow(sku))));
        })),
        pathPrefix("sync", () -> concat(
            path("failing", () -> get(() -> parameterOptional("limit", this::failing))),
            path("staleness", () -> concat(
                get(() -> ok(StockStaleness.get(system).figures())),
                // Operators (and the benchmark) start a measurement from zero, e.g. after setting up a catalogue.
                delete(() -> {
                  StockStaleness.get(system).reset();
                  return complete(StatusCodes.NO_CONTENT);
                }))),
            path("reconcile", () -> post(this::reconcileNow))))));
  }

  private Route skuSync(String sku) {
    CompletionStage<SkuSync> answer = StockSync.state(system, sku, timeout).thenCompose(stock -> {
      if (!stock.exists()) throw new NotFound("SKU " + sku + " is not known");
      return store.forSku(sku).thenApply(rows -> merge(stock, rows, l -> StockSync.pushable(marketplaces, l)));
    });
    return answer(answer, this::ok);
  }

  /** @param pushable whether a listing gets stock pushes ({@link StockSync#pushable}); else "not_applicable" */
  static SkuSync merge(SkuEntity.Stock stock, List<ListingSyncStore.Row> rows,
      java.util.function.Predicate<Listing> pushable) {
    Map<String, ListingSyncStore.Row> byKey = new HashMap<>();
    for (ListingSyncStore.Row row : rows) byKey.put(row.listingKey(), row);
    List<ListingStatus> listings = new ArrayList<>();
    for (Listing listing : stock.listings()) {
      String key = StockSync.syncKey(stock.sku(), listing);
      Integer expected = stock.shown().get(listing.key());
      if (!pushable.test(listing)) {
        listings.add(new ListingStatus(key, listing.channel().key(), listing.shopId(), expected, stock.eventSeq(),
            null, null, null, null, null, null, "not_applicable", null, null));
        continue;
      }
      ListingSyncStore.Row row = byKey.get(key);
      String status;
      if (row == null) status = "pending";
      else if (!row.acknowledged() && row.blocked()) status = "blocked";
      else if (!row.acknowledged() && row.lastError() != null) status = "failed";
      else if (row.acknowledged() && row.lastValue() != null && row.lastValue().equals(expected)) status = "in_sync";
      else status = "pending";
      listings.add(new ListingStatus(key, listing.channel().key(), listing.shopId(), expected, stock.eventSeq(),
          row == null ? null : row.lastValue(), row == null ? null : row.lastEventSeq(),
          row == null ? null : row.pushedAt(), row == null ? null : row.acknowledged(),
          row == null ? null : row.lastError(), row == null ? null : row.attempts(), status,
          row == null || row.acknowledged() ? null : row.failureClass(),
          row == null || row.acknowledged() ? null : row.handling()));
    }
    return new SkuSync(stock.sku(), stock.available(), stock.eventSeq(), listings);
  }

  private Route pushNow(String sku) {
    boolean shares = StockSync.sharesOn(system);
    CompletionStage<Pushed> answer = (shares ? StockSync.announce(system, sku, timeout)
        : StockSync.state(system, sku, timeout)).thenApply(stock -> {
      if (!stock.exists()) throw new NotFound("SKU " + sku + " is not known");
      // under shares the SKU's allocator looks again (reads, refills): an absolute value is never pushed
      var pushes = shares ? List.<marketplace.ShopAdapter.PushStock>of()
          : StockSync.pushesFor(marketplaces, stock, true);
      StockSync.send(system, pushes);
      return new Pushed(sku, stock.eventSeq(), pushes.size());
    });
    return answer(answer, pushed -> complete(StatusCodes.ACCEPTED, pushed, json.marshaller()));
  }

  private Route failing(Optional<String> limitParam) {
    int limit;
    try {
      limit = limitParam.map(Integer::parseInt).orElse(100);
    } catch (NumberFormatException e) {
      return error(StatusCodes.BAD_REQUEST, "bad_request", "limit must be an integer");
    }
    if (limit < 1 || limit > MAX_FAILING) {
      return error(StatusCodes.BAD_REQUEST, "bad_request", "limit must be between 1 and " + MAX_FAILING);
    }
    return answer(store.failing(limit), this::ok);
  }

  private Route reconcileNow() {
    CompletionStage<StockSync.ReconcileTotals> totals = AskPattern.ask(StockSync.reconcilerRef(system),
        StockSync.ReconcileNow::new, timeout.multipliedBy(8), system.scheduler());
    return answer(totals, this::ok);
  }

  // ------------------------------------------------------------------ plumbing

  private static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message, null, false, false);
    }
  }

  private <T> Route answer(CompletionStage<T> stage, java.util.function.Function<T, Route> onSuccess) {
    return onComplete(stage, result -> {
      if (result.isSuccess()) return onSuccess.apply(result.get());
      Throwable failure = Futures.unwrap(result.failed().get());
      if (failure instanceof NotFound n) return error(StatusCodes.NOT_FOUND, "not_found", n.getMessage());
      if (failure instanceof StatusReply.ErrorMessage e) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", SkuEntity.errorText(e.getMessage()));
      }
      if (failure instanceof TimeoutException || failure instanceof akka.pattern.AskTimeoutException) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "no answer in time; retry");
      }
      if (failure instanceof infra.Database.DatabaseException) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "sync status store unavailable; retry");
      }
      throw new IllegalStateException(failure);
    });
  }

  private Route ok(Object body) {
    return complete(StatusCodes.OK, body, json.marshaller());
  }

  private Route error(StatusCode status, String code, String message) {
    return complete(HttpResponse.create().withStatus(status).withEntity(errors.jsonEntity(code, message)));
  }
}

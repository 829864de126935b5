package http.admin;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.Json;
import java.util.ArrayList;
import java.util.List;
import marketplace.CallOutcomes;
import marketplace.MarketplaceApis;
import marketplace.ShopBreaker;

/**
 * {@code GET /admin/shops}: every configured shop with its circuit breaker state and, per call kind (order detail,
 * stock update, cancel, ...), how calls went on this node: counts, attempts, the last success and the last error.
 */
public final class ShopRoutes extends AllDirectives {

  public record ShopStatus(String channel, String shopId, String breaker, List<CallOutcomes.Outcome> calls) {}

  private final MarketplaceApis marketplaces;
  private final Json json;

  public ShopRoutes(MarketplaceApis marketplaces, Json json) {
    this.marketplaces = marketplaces;
    this.json = json;
  }

  public Route route() {
    return pathPrefix("admin", () -> path("shops", () -> get(() ->
        complete(StatusCodes.OK, shops(), json.marshaller()))));
  }

  List<ShopStatus> shops() {
    List<CallOutcomes.Outcome> all = marketplaces.outcomes().snapshot();
    List<ShopStatus> result = new ArrayList<>();
    for (ShopBreaker breaker : marketplaces.breakers()) {
      result.add(status(breaker.channel().key(), breaker.shopId(), breaker.state().get(), all));
    }
    return result;
  }

  private static ShopStatus status(String channel, String shopId, String breaker, List<CallOutcomes.Outcome> all) {
    return new ShopStatus(channel, shopId, breaker, all.stream()
        .filter(o -> o.channel().key().equals(channel) && o.shopId().equals(shopId)).toList());
  }
}

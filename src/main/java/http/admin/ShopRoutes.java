package http.admin;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.annotation.JsonInclude;
import common.Channel;
import http.ApiErrors;
import http.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import marketplace.CallOutcomes;
import marketplace.MarketplaceApis;
import marketplace.ShopAdapter;
import marketplace.ShopBreaker;
import marketplace.ShopGuard;

/**
 * {@code GET /admin/shops}: every configured shop with its circuit breaker state, its pause when its calls are held
 * back (daily call cap, not authorised) and, per call kind (order detail, stock update, cancel, ...), how calls went
 * on this node: counts, attempts, the last success and the last error. {@code POST /admin/shops/{channel}/{shop}/resume}
 * lifts a shop's pause (its adapter's guard and stock queue).
 */
public final class ShopRoutes extends AllDirectives {

  /** @param pause null when the shop's calls are not held back */
  public record ShopStatus(String channel, String shopId, String breaker, List<CallOutcomes.Outcome> calls,
                           @JsonInclude(JsonInclude.Include.NON_NULL) ShopGuard.Pause pause) {}

  private final ActorSystem<?> system;
  private final MarketplaceApis marketplaces;
  private final Json json;
  private final ApiErrors errors;
  private final Duration timeout;

  public ShopRoutes(ActorSystem<?> system, MarketplaceApis marketplaces, Json json) {
    this.system = system;
    this.marketplaces = marketplaces;
    this.json = json;
    this.errors = new ApiErrors(json);
    this.timeout = AskTimeout.of(system);
  }

  public Route route() {
    return pathPrefix("admin", () -> pathPrefix("shops", () -> concat(
        pathEnd(() -> get(() -> complete(StatusCodes.OK, shops(), json.marshaller()))),
        path(akka.http.javadsl.server.PathMatchers.segment().slash(akka.http.javadsl.server.PathMatchers.segment())
            .slash("resume"), (channel, shopId) -> post(() -> resume(channel, shopId))))));
  }

  private Route resume(String channelKey, String shopId) {
    Channel channel = marketplaces.breakers().stream()
        .filter(b -> b.channel().key().equals(channelKey) && b.shopId().equals(shopId))
        .map(ShopBreaker::channel).findFirst().orElse(null);
    if (channel == null || !channel.hasMarketplaceApi()) {
      return complete(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND).withEntity(errors.jsonEntity(
          "not_found", "no configured shop " + channelKey + " " + shopId + " with a marketplace API")));
    }
    var answer = ClusterSharding.get(system)
        .entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(channel, shopId))
        .<ShopAdapter.ShopResumed>ask(ShopAdapter.ResumeShop::new, timeout);
    return onComplete(answer, result -> result.isSuccess()
        ? complete(StatusCodes.OK, result.get(), json.marshaller())
        : complete(HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE).withEntity(errors.jsonEntity(
            "unavailable", "the shop's adapter did not answer in time; retry"))));
  }

  List<ShopStatus> shops() {
    List<CallOutcomes.Outcome> all = marketplaces.outcomes().snapshot();
    List<ShopStatus> result = new ArrayList<>();
    for (ShopBreaker breaker : marketplaces.breakers()) {
      result.add(new ShopStatus(breaker.channel().key(), breaker.shopId(), breaker.state().get(), all.stream()
          .filter(o -> o.channel() == breaker.channel() && o.shopId().equals(breaker.shopId())).toList(),
          marketplaces.outcomes().pause(breaker.channel(), breaker.shopId()).orElse(null)));
    }
    return result;
  }
}

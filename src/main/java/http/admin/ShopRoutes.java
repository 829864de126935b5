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
import marketplace.ShopConnectionStatus;
import marketplace.ShopGuard;
import marketplace.connection.ShopConnections;
import akka.http.javadsl.server.PathMatchers;

/**
 * {@code GET /admin/shops}: every configured or connected shop with its connection (state, token expiry times, last
 * refresh and its outcome; never a token), its circuit breaker state, its pause when its calls are held back (daily
 * call cap, not authorised) and, per call kind, how calls went on this node.
 * {@code POST /admin/shops/{channel}/connect} returns the platform's authorisation link for the seller's browser (with a
 * one-time state, 10 minutes); {@code DELETE /admin/shops/{channel}/{shop}} disconnects a shop (its tokens forgotten,
 * its calls stopped); {@code POST /admin/shops/{channel}/{shop}/resume} lifts a shop's pause.
 */
public final class ShopRoutes extends AllDirectives {

  /** @param pause null when the shop's calls are not held back */
  public record ShopStatus(String channel, String shopId,
                           @JsonInclude(JsonInclude.Include.NON_NULL) ShopConnectionStatus connection, String breaker,
                           List<CallOutcomes.Outcome> calls,
                           @JsonInclude(JsonInclude.Include.NON_NULL) ShopGuard.Pause pause) {}

  private final ActorSystem<?> system;
  private final MarketplaceApis marketplaces;
  private final Json json;
  private final ApiErrors errors;
  private final Duration timeout;

  private final ShopConnections connections;

  public ShopRoutes(ActorSystem<?> system, MarketplaceApis marketplaces, Json json) {
    this.system = system;
    this.connections = ShopConnections.get(system);
    this.marketplaces = marketplaces;
    this.json = json;
    this.errors = new ApiErrors(json);
    this.timeout = AskTimeout.of(system);
  }

  /** @param actor the authenticated operator, recorded when a shop is disconnected */
  public Route route(String actor) {
    return pathPrefix("admin", () -> pathPrefix("shops", () -> concat(
        pathEnd(() -> get(() -> onSuccess(connections.shops(), rows -> complete(StatusCodes.OK, shops(rows),
            json.marshaller())))),
        path(PathMatchers.segment().slash("connect"), channel -> post(() -> connect(channel))),
        path(PathMatchers.segment().slash(PathMatchers.segment()), (channel, shopId) ->
            delete(() -> disconnect(channel, shopId, actor))),
        path(PathMatchers.segment().slash(PathMatchers.segment()).slash("resume"),
            (channel, shopId) -> post(() -> resume(channel, shopId))))));
  }

  private Route connect(String channelKey) {
    Channel channel = onboardingChannel(channelKey);
    if (channel == null) {
      return complete(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND).withEntity(errors.jsonEntity(
          "not_found", "no onboarding for channel '" + channelKey + "' (shopee or tiktok)")));
    }
    return onComplete(connections.connectLink(channel), result -> result.isSuccess()
        ? complete(StatusCodes.OK, result.get(), json.marshaller())
        : unavailable("the authorisation link could not be issued (database unreachable); retry"));
  }

  private Route disconnect(String channelKey, String shopId, String actor) {
    Channel channel = onboardingChannel(channelKey);
    boolean known = channel != null && marketplaces.directory().shop(channel, shopId).isPresent();
    if (!known) {
      return complete(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND).withEntity(errors.jsonEntity(
          "not_found", "no connected shop " + channelKey + " " + shopId)));
    }
    return onComplete(connections.disconnect(channel, shopId, actor)
        .thenCompose(done -> connections.status(channel, shopId)), result -> result.isSuccess()
        ? complete(StatusCodes.OK, result.get(), json.marshaller())
        : unavailable("the shop's connection did not answer in time; retry"));
  }

  private Channel onboardingChannel(String key) {
    for (Channel c : Channel.values()) if (c.key().equals(key) && connections.canConnect(c)) return c;
    return null;
  }

  private Route unavailable(String message) {
    return complete(HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
        .withEntity(errors.jsonEntity("unavailable", message)));
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

  List<ShopStatus> shops(List<ShopConnectionStatus> connected) {
    List<CallOutcomes.Outcome> all = marketplaces.outcomes().snapshot();
    List<ShopStatus> result = new ArrayList<>();
    for (ShopBreaker breaker : marketplaces.breakers()) {
      ShopConnectionStatus connection = connected.stream()
          .filter(c -> c.channel() == breaker.channel() && c.shopId().equals(breaker.shopId())).findFirst()
          .orElse(null);
      result.add(new ShopStatus(breaker.channel().key(), breaker.shopId(), connection, breaker.state().get(),
          all.stream().filter(o -> o.channel() == breaker.channel() && o.shopId().equals(breaker.shopId())).toList(),
          marketplaces.outcomes().pause(breaker.channel(), breaker.shopId()).orElse(null)));
    }
    return result;
  }
}

package http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import common.Channel;
import java.util.Map;
import marketplace.connection.ShopConnections;

/**
 * {@code GET /shops/{channel}/authorized}: where the platform sends the seller's browser after the authorisation
 * (Shopee: {@code ?state&code&shop_id}, TikTok: {@code ?code&state}). Public, like the platforms need it, so it does
 * nothing unless {@code state} is one this service issued with a link (unused, at most 10 minutes old): otherwise
 * 400 and nothing is recorded. Codes are never logged.
 */
public final class OnboardingRoutes extends AllDirectives {
  /** What the seller's browser is shown. */
  public record Connected(String message, java.util.List<marketplace.ShopConnectionStatus> shops) {}

  private final ShopConnections connections;
  private final Json json;
  private final ApiErrors errors;

  public OnboardingRoutes(ActorSystem<?> system, Json json) {
    this.connections = ShopConnections.get(system);
    this.json = json;
    this.errors = new ApiErrors(json);
  }

  public Route route() {
    return pathPrefix("shops", () -> path(akka.http.javadsl.server.PathMatchers.segment().slash("authorized"), channelKey ->
        get(() -> parameterMap(query -> redirect(channelKey, query)))));
  }

  private Route redirect(String channelKey, Map<String, String> query) {
    Channel channel = null;
    for (Channel c : Channel.values()) if (c.key().equals(channelKey) && connections.canConnect(c)) channel = c;
    if (channel == null) return refuse(StatusCodes.NOT_FOUND, "not_found", "no onboarding for '" + channelKey + "'");
    return onComplete(connections.complete(channel, query), result -> {
      if (result.isFailure()) {
        return refuse(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the authorisation could not be recorded now; "
            + "start again from Connect");
      }
      if (result.get() instanceof ShopConnections.Refused refused) {
        return refuse(StatusCodes.BAD_REQUEST, refused.reason(), refused.message());
      }
      var shops = ((ShopConnections.ShopsConnected) result.get()).shops();
      return complete(StatusCodes.OK, new Connected("connected: you can close this page", shops), json.marshaller());
    });
  }

  private Route refuse(akka.http.javadsl.model.StatusCode status, String error, String message) {
    return complete(HttpResponse.create().withStatus(status).withEntity(errors.jsonEntity(error, message)));
  }
}

package http.admin;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.pattern.StatusReply;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import common.Futures;
import common.Ids;
import http.ApiErrors;
import http.Json;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import sku.Listing;
import sku.PushRules;
import sku.SkuEntity.Command;
import sku.SkuEntity;
import sku.SkuEvents.AdjustReason;

/**
 * Admin API of the SKU entity: {@code /admin/skus/{sku}} (state), {@code /stock}, {@code /adjustments},
 * {@code /listings}, {@code /push-rules}, {@code /history}. Parses and validates, asks the entity through sharding, maps the reply to a
 * status. The actor recorded in the SKU's events is the name of the admin token the request was authenticated with
 * ({@link AdminAuth}).
 */
public final class SkuRoutes extends AllDirectives {
  private static final int DEFAULT_HISTORY_LIMIT = 50;

  private final ClusterSharding sharding;
  private final Json json;
  private final ApiErrors errors;
  private final Duration askTimeout;

  public SkuRoutes(ActorSystem<?> system, Json json) {
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = AskTimeout.of(system);
    this.json = json;
    this.errors = new ApiErrors(json);
  }

  /** A 400 found while reading a request: carried to the route as an exception-free value. */
  private record BadRequest(String message) {}

  /** @param actor the authenticated operator, recorded in the SKU's events */
  public Route route(String actor) {
    return pathPrefix("admin", () -> pathPrefix("skus", () -> pathPrefix(sku -> {
      String skuError = SkuEntity.skuError(sku) != null ? SkuEntity.skuError(sku) : Ids.checkId("SKU code", sku);
      if (skuError != null) return error(StatusCodes.BAD_REQUEST, "bad_request", skuError);
      return concat(
          pathEndOrSingleSlash(() -> get(() -> parameterOptional("reservationOffset", offset ->
              parameterOptional("reservationLimit", limit -> getState(sku, offset, limit))))),
          path("stock", () -> put(() -> body(b -> setStock(sku, b, actor)))),
          path("adjustments", () -> post(() -> body(b -> adjust(sku, b, actor)))),
          path("listings", () -> concat(
              put(() -> body(b -> putListing(sku, b, actor))),
              delete(() -> parameterOptional("channel", channel -> parameterOptional("shopId", shop ->
                  removeListing(sku, channel, shop, actor)))))),
          path("push-rules", () -> put(() -> body(b -> setPushRules(sku, b, actor)))),
          path("history", () -> get(() -> parameterOptional("offset", offset -> parameterOptional("limit", limit ->
              history(sku, offset, limit))))));
    })));
  }

  // ------------------------------------------------------------------ handlers

  /** The reservations come one page at a time (oldest first): a hot SKU can hold hundreds of thousands. */
  private Route getState(String sku, Optional<String> offsetParam, Optional<String> limitParam) {
    return page("reservationOffset", offsetParam, "reservationLimit", limitParam, SkuEntity.ADMIN_RESERVATION_PAGE, 0,
        SkuEntity.MAX_RESERVATION_PAGE, (offset, limit) ->
            this.<SkuEntity.Summary>ask(sku, r -> new SkuEntity.GetSummary(offset, limit, r),
                summary -> summary.exists()
                    ? ok(summary)
                    : error(StatusCodes.NOT_FOUND, "not_found", "SKU " + sku + " is not known")));
  }

  private Route setStock(String sku, JsonNode body, String actor) {
    JsonNode onHand = body.get("onHand");
    if (onHand == null || !onHand.canConvertToInt() || !onHand.isIntegralNumber()) {
      return badRequest("onHand is required and must be an integer");
    }
    if (onHand.intValue() < 0) return badRequest("onHand must be >= 0");
    Optional<Boolean> force = bool(body, "force");
    if (force == null) return badRequest("force must be true or false");
    return this.<SkuEntity.StockResult>ask(sku, r -> new SkuEntity.SetStock(onHand.intValue(), force.orElse(false), actor, r), this::ok);
  }

  private Route adjust(String sku, JsonNode body, String actor) {
    JsonNode delta = body.get("delta");
    if (delta == null || !delta.isIntegralNumber() || !delta.canConvertToInt()) {
      return badRequest("delta is required and must be an integer");
    }
    JsonNode reasonNode = body.get("reason");
    AdjustReason reason;
    try {
      reason = AdjustReason.valueOf(reasonNode == null || !reasonNode.isTextual() ? "" : reasonNode.asText());
    } catch (IllegalArgumentException e) {
      return badRequest("reason is required: one of RECEIVED, DAMAGED, RETURNED, CORRECTION");
    }
    String deltaError = reason.deltaError(delta.intValue());
    if (deltaError != null) return badRequest(deltaError);
    Optional<Boolean> force = bool(body, "force");
    if (force == null) return badRequest("force must be true or false");
    return this.<SkuEntity.StockResult>ask(sku, r -> new SkuEntity.AdjustStock(delta.intValue(), reason, force.orElse(false), actor, r), this::ok);
  }

  private Route putListing(String sku, JsonNode body, String actor) {
    Channel channel;
    try {
      channel = Channel.fromKey(text(body, "channel") == null ? "" : text(body, "channel").toLowerCase());
    } catch (IllegalArgumentException e) {
      return badRequest("channel is required: shopee, tiktok or whatsapp");
    }
    for (String field : new String[] {"shopId", "itemId", "modelId", "productId", "skuId", "warehouseId"}) {
      JsonNode node = body.get(field);
      if (node != null && !node.isNull() && !node.isTextual() && !node.isIntegralNumber()) {
        return badRequest(field + " must be a string");
      }
    }
    String modelId = text(body, "modelId");
    Listing listing = new Listing(channel, text(body, "shopId"), text(body, "itemId"),
        channel == Channel.SHOPEE && modelId == null ? "0" : modelId, text(body, "productId"), text(body, "skuId"))
        .inWarehouse(text(body, "warehouseId"));
    String invalid = listing.validationError();
    if (invalid != null) return badRequest(invalid);
    return this.<SkuEntity.Summary>ask(sku, r -> new SkuEntity.PutListing(listing, actor, r), this::ok);
  }

  private Route removeListing(String sku, Optional<String> channelKey, Optional<String> shopId, String actor) {
    Channel channel;
    try {
      channel = Channel.fromKey(channelKey.orElse("").toLowerCase());
    } catch (IllegalArgumentException e) {
      return badRequest("query parameter channel is required: shopee, tiktok or whatsapp");
    }
    if (shopId.isEmpty() || shopId.get().isBlank()) return badRequest("query parameter shopId is required");
    String shopError = Ids.checkId("shopId", shopId.get());
    if (shopError != null) return badRequest(shopError);
    return this.<SkuEntity.Summary>ask(sku, r -> new SkuEntity.RemoveListing(channel, shopId.get(), actor, r), this::ok);
  }

  private static final java.util.Set<String> RULE_FIELDS = java.util.Set.of("showZeroBelow", "percent", "maxShown", "allocation");

  /**
   * {@code {"shopee": {"showZeroBelow": 5, "percent": 80, "maxShown": 100, "allocation": 10}, "tiktok": {...}}}:
   * the SKU's whole rule set (a channel left out has no rule; {@code {}} clears them all).
   */
  private Route setPushRules(String sku, JsonNode body, String actor) {
    java.util.Map<Channel, PushRules.ChannelRule> channels = new java.util.EnumMap<>(Channel.class);
    for (var it = body.fields(); it.hasNext(); ) {
      var entry = it.next();
      Channel channel;
      try {
        channel = Channel.fromKey(entry.getKey());
      } catch (IllegalArgumentException e) {
        return badRequest("unknown channel '" + entry.getKey() + "' (expected shopee, tiktok or whatsapp)");
      }
      if (channel == Channel.PHONE) return badRequest("phone orders have no listing to show stock on");
      JsonNode rule = entry.getValue();
      if (!rule.isObject()) return badRequest(entry.getKey() + " must be an object");
      Integer[] values = new Integer[4];
      String[] names = {"showZeroBelow", "percent", "maxShown", "allocation"};
      for (var f = rule.fieldNames(); f.hasNext(); ) {
        String name = f.next();
        if (!RULE_FIELDS.contains(name)) {
          return badRequest(entry.getKey() + ": unknown field '" + name + "' (expected " + String.join(", ", names) + ")");
        }
      }
      for (int i = 0; i < names.length; i++) {
        JsonNode v = rule.get(names[i]);
        if (v == null || v.isNull()) continue;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) return badRequest(entry.getKey() + "." + names[i] + " must be an integer");
        values[i] = v.intValue();
      }
      channels.put(channel, new PushRules.ChannelRule(values[0], values[1], values[2], values[3]));
    }
    PushRules rules = new PushRules(channels);
    String invalid = rules.validationError();
    if (invalid != null) return badRequest(invalid);
    return this.<SkuEntity.Summary>ask(sku, r -> new SkuEntity.SetPushRules(rules, actor, r), this::ok);
  }

  private Route history(String sku, Optional<String> offsetParam, Optional<String> limitParam) {
    return page("offset", offsetParam, "limit", limitParam, DEFAULT_HISTORY_LIMIT, 1, SkuEntity.MAX_HISTORY_PAGE,
        (offset, limit) -> this.<SkuEntity.HistoryPage>ask(sku, r -> new SkuEntity.GetHistory(offset, limit, r),
            this::ok));
  }

  // ------------------------------------------------------------------ plumbing

  interface PagedRoute {
    Route route(int offset, int limit);
  }

  /** Offset (default 0) and limit query parameters, checked: integers, offset >= 0, limit within its bounds. */
  private Route page(String offsetName, Optional<String> offsetParam, String limitName, Optional<String> limitParam,
                     int defaultLimit, int minLimit, int maxLimit, PagedRoute inner) {
    int offset;
    int limit;
    try {
      offset = offsetParam.map(Integer::parseInt).orElse(0);
      limit = limitParam.map(Integer::parseInt).orElse(defaultLimit);
    } catch (NumberFormatException e) {
      return badRequest(offsetName + " and " + limitName + " must be integers");
    }
    if (offset < 0 || limit < minLimit || limit > maxLimit) {
      return badRequest(offsetName + " must be >= 0 and " + limitName + " between " + minLimit + " and " + maxLimit);
    }
    return inner.route(offset, limit);
  }

  /** The body as a JSON object; anything else is a 400. */
  private Route body(Function<JsonNode, Route> inner) {
    return entity(Unmarshaller.entityToString(), text -> {
      JsonNode node;
      try {
        node = json.readTree(text);
      } catch (Json.Unreadable e) {
        return badRequest(e.getOriginalMessage());
      } catch (JsonProcessingException e) {
        return badRequest("body is not valid JSON");
      }
      if (node == null || !node.isObject()) return badRequest("body must be a JSON object");
      return inner.apply(node);
    });
  }

  /** Empty when absent, null when present but not a boolean. */
  private static Optional<Boolean> bool(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) return Optional.empty();
    return node.isBoolean() ? Optional.of(node.booleanValue()) : null;
  }

  private static String text(JsonNode body, String field) {
    JsonNode node = body.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  private <T> Route ask(String sku, Function<ActorRef<StatusReply<T>>, Command> command, Function<T, Route> onSuccess) {
    EntityRef<Command> entity = sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
    CompletionStage<T> reply = entity.askWithStatus(command::apply, askTimeout);
    return onComplete(reply, result -> {
      if (result.isSuccess()) return onSuccess.apply(result.get());
      Throwable failure = Futures.unwrap(result.failed().get());
      if (failure instanceof StatusReply.ErrorMessage error) {
        String code = SkuEntity.errorCode(error.getMessage());
        String text = SkuEntity.errorText(error.getMessage());
        return switch (code) {
          case SkuEntity.NOT_FOUND -> error(StatusCodes.NOT_FOUND, "not_found", text);
          case SkuEntity.INVALID -> error(StatusCodes.BAD_REQUEST, "bad_request", text);
          case SkuEntity.UNAVAILABLE -> error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", text);
          default -> error(StatusCodes.CONFLICT, "conflict", text);
        };
      }
      if (failure instanceof TimeoutException) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "SKU " + sku + " did not answer in time; retry");
      }
      throw new IllegalStateException("SKU " + sku + " ask failed", failure);
    });
  }

  private Route ok(Object body) {
    return complete(StatusCodes.OK, body, json.marshaller());
  }

  private Route badRequest(String message) {
    return error(StatusCodes.BAD_REQUEST, "bad_request", message);
  }

  private Route error(StatusCode status, String code, String message) {
    return complete(HttpResponse.create().withStatus(status).withEntity(errors.jsonEntity(code, message)));
  }
}

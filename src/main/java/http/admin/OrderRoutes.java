package http.admin;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.pattern.StatusReply;
import akka.persistence.jdbc.query.javadsl.JdbcReadJournal;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.core.JsonProcessingException;
import common.Channel;
import common.Ids;
import common.MarketStatus;
import common.OrderDetails;
import http.Json;
import http.Replies;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import marketplace.OutboundMessages;
import order.OrderEntity;
import order.OrderView;
import sku.SkuEntity;

/**
 * Admin API of orders: {@code /admin/orders/{channel}/{shop}/{orderId}} (state), {@code .../events} (history),
 * {@code .../cancel}, {@code .../ship}, {@code .../restock}, {@code .../map}, and {@code POST /admin/orders} to
 * enter a WhatsApp or phone order by hand. Thin: parse, ask the entity, map the answer.
 */
public final class OrderRoutes extends AllDirectives {

  public record CancelBody(String reason) {}

  public record ShipBody(String trackingNumber) {}

  public record MapBody(String lineRef, String sku) {}

  public record ManualLine(String sku, Integer quantity, BigDecimal unitPrice) {}

  public record ManualOrder(String channel, String shopId, String orderId, String buyerName, String buyerPhone,
                            String address, String currency, List<ManualLine> lines) {}

  public record EventEntry(long sequenceNr, Instant timestamp, String type, Object event) {}

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Json json;
  private final Replies replies;
  private final Duration timeout;
  private final OutboundMessages outbound;
  private final order.BuyerDataStore buyerData;

  public OrderRoutes(ActorSystem<?> system, Json json, OutboundMessages outbound, order.BuyerDataStore buyerData) {
    this.buyerData = buyerData;
    this.system = system;
    this.outbound = outbound;
    this.sharding = ClusterSharding.get(system);
    this.json = json;
    this.replies = new Replies(json);
    this.timeout = AskTimeout.of(system);
  }

  /** @param actor the authenticated operator, recorded in the order's events */
  public Route route(String actor) {
    return pathPrefix("admin", () -> pathPrefix("orders", () -> concat(
        pathEndOrSingleSlash(() -> post(() -> body(ManualOrder.class, b -> createManual(b, actor)))),
        pathPrefix(channel -> pathPrefix(shop -> pathPrefix(orderId ->
            withOrder(channel, shop, orderId, order -> concat(
                pathEndOrSingleSlash(() -> get(() -> replies.complete(
                    withBuyer(withDeliveries(order.askWithStatus(OrderEntity.Get::new, timeout))), StatusCodes.OK,
                    OrderRoutes::errorStatus))),
                path(action -> action(order, action,
                    OrderEntity.orderKey(Channel.fromKey(channel), shop, orderId), actor))))))))));
  }

  private Route action(EntityRef<OrderEntity.Command> order, String action, String orderKey, String actor) {
    String invalidAction = Ids.checkId("action", action);
    if (invalidAction != null) return replies.error(StatusCodes.BAD_REQUEST, invalidAction);
    return switch (action) {
      case "events" -> get(() -> replies.complete(events(orderKey), StatusCodes.OK, OrderRoutes::errorStatus));
      case "cancel" -> post(() -> body(CancelBody.class, b -> replies.complete(order.<OrderView>askWithStatus(
          r -> new OrderEntity.Cancel(actor, b == null || b.reason() == null ? "cancelled by operator" : b.reason(), r),
          timeout), StatusCodes.OK, OrderRoutes::errorStatus)));
      case "ship" -> post(() -> body(ShipBody.class, b -> {
        if (b == null || b.trackingNumber() == null || b.trackingNumber().isBlank()) {
          return replies.error(StatusCodes.BAD_REQUEST, "trackingNumber is required");
        }
        String invalid = Ids.checkId("trackingNumber", b.trackingNumber());
        if (invalid != null) return replies.error(StatusCodes.BAD_REQUEST, invalid);
        return replies.complete(order.<OrderView>askWithStatus(r -> new OrderEntity.Ship(b.trackingNumber(), actor, r), timeout),
            StatusCodes.OK, OrderRoutes::errorStatus);
      }));
      case "paid" -> post(() -> replies.complete(order.<OrderView>askWithStatus(
          r -> new OrderEntity.MarkPaid(actor, r), timeout), StatusCodes.OK, OrderRoutes::errorStatus));
      case "restock" -> post(() -> replies.complete(order.<OrderView>askWithStatus(r -> new OrderEntity.Restock(actor, r),
          timeout), StatusCodes.OK, OrderRoutes::errorStatus));
      case "map" -> post(() -> body(MapBody.class, b -> {
        String invalid = b == null ? "body with lineRef and sku is required"
            : Ids.checkId("lineRef", b.lineRef()) != null ? Ids.checkId("lineRef", b.lineRef())
            : Ids.checkId("sku", b.sku());
        if (invalid != null) return replies.error(StatusCodes.BAD_REQUEST, invalid);
        return replies.complete(order.<OrderView>askWithStatus(r -> new OrderEntity.MapLine(b.lineRef(), b.sku(), actor, r),
            timeout), StatusCodes.OK, OrderRoutes::errorStatus);
      }));
      default -> replies.error(StatusCodes.NOT_FOUND, "unknown order action '" + action + "'");
    };
  }

  /**
   * The order's notifications with WhatsApp's latest delivery status of each message, from outbound_messages (the
   * status webhook writes there, not to the order: delivery statuses never drive the order, and three statuses per
   * message would triple the journal writes of a notification at peak). Without the database the view is still
   * answered, its delivery fields empty.
   */
  /** The buyer's name as the buyer data store holds it (until its retention), when the order's events have none. */
  private CompletionStage<OrderView> withBuyer(CompletionStage<OrderView> view) {
    return view.thenCompose(v -> v.buyerName() != null
        ? CompletableFuture.completedFuture(v)
        : buyerData.nameOf(v.orderKey()).thenApply(name -> name.map(v::withBuyerName).orElse(v)).exceptionally(e -> v));
  }

  private CompletionStage<OrderView> withDeliveries(CompletionStage<OrderView> view) {
    return view.thenCompose(v -> v.notifications().stream().allMatch(n -> n.wamid() == null)
        ? CompletableFuture.completedFuture(v)
        : outbound.forOrder(v.orderKey())
            .thenApply(messages -> {
              Map<String, OutboundMessages.Message> byWamid = new HashMap<>();
              for (OutboundMessages.Message m : messages) byWamid.put(m.wamid(), m);
              return v.withNotifications(v.notifications().stream().map(n -> {
                OutboundMessages.Message m = n.wamid() == null ? null : byWamid.get(n.wamid());
                return m == null ? n : n.withDelivery(m.status(), m.statusAt(), m.errors());
              }).toList());
            })
            .exceptionally(e -> v));
  }

  private Route withOrder(String channel, String shop, String orderId,
                          Function<EntityRef<OrderEntity.Command>, Route> inner) {
    String invalidChannel = Ids.checkId("channel", channel);
    if (invalidChannel != null) return replies.error(StatusCodes.BAD_REQUEST, invalidChannel);
    Channel parsed;
    try {
      parsed = Channel.fromKey(channel);
    } catch (IllegalArgumentException e) {
      return replies.error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    String invalid = Ids.checkId("shop", shop) != null ? Ids.checkId("shop", shop)
        : Ids.checkId("orderId", orderId);
    if (invalid != null) return replies.error(StatusCodes.BAD_REQUEST, invalid);
    return inner.apply(sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, OrderEntity.orderKey(parsed, shop, orderId)));
  }

  static StatusCode errorStatus(String message) {
    return OrderEntity.NOT_FOUND.equals(message) ? StatusCodes.NOT_FOUND : StatusCodes.CONFLICT;
  }

  // --- POST /admin/orders

  private Route createManual(ManualOrder body, String actor) {
    String invalid = validate(body);
    if (invalid != null) return replies.error(StatusCodes.BAD_REQUEST, invalid);
    Channel channel = Channel.fromKey(body.channel());
    String shop = body.shopId() == null ? "manual" : body.shopId();
    String orderId = body.orderId() == null ? "M-" + UUID.randomUUID() : body.orderId();
    List<String> skus = body.lines().stream().map(ManualLine::sku).distinct().toList();
    CompletionStage<List<String>> unknown = unknownSkus(skus);
    return onSuccess(unknown, missing -> {
      if (!missing.isEmpty()) return replies.error(StatusCodes.BAD_REQUEST, "unknown SKU: " + String.join(", ", missing));
      List<OrderDetails.Line> lines = body.lines().stream()
          .map(l -> new OrderDetails.Line(l.sku(), l.quantity(), l.unitPrice(), null, null)).toList();
      BigDecimal total = body.lines().stream()
          .map(l -> l.unitPrice() == null ? BigDecimal.ZERO : l.unitPrice().multiply(BigDecimal.valueOf(l.quantity())))
          .reduce(BigDecimal.ZERO, BigDecimal::add);
      Instant now = Instant.now();
      OrderDetails details = new OrderDetails(channel, shop, orderId, "MANUAL", MarketStatus.PAID, body.buyerName(),
          digits(body.buyerPhone()), body.address(), body.currency(), total, lines, now, now);
      EntityRef<OrderEntity.Command> order =
          sharding.entityRefFor(OrderEntity.ENTITY_TYPE_KEY, OrderEntity.orderKey(channel, shop, orderId));
      CompletionStage<OrderView> created = order
          .<Done>askWithStatus(r -> new OrderEntity.Notify(channel, shop, orderId, "MANUAL (entered by " + actor + ")",
              MarketStatus.PAID,
              "manual:" + orderId, now, details, r), timeout)
          .thenCompose(done -> order.askWithStatus(OrderEntity.Get::new, timeout));
      return replies.complete(created, StatusCodes.CREATED, OrderRoutes::errorStatus);
    });
  }

  private static String validate(ManualOrder body) {
    if (body == null) return "a JSON body is required";
    if (!"whatsapp".equals(body.channel()) && !"phone".equals(body.channel())) {
      return "channel must be whatsapp or phone";
    }
    if (body.shopId() != null && Ids.checkId("shopId", body.shopId()) != null) {
      return Ids.checkId("shopId", body.shopId());
    }
    if (body.orderId() != null && Ids.checkId("orderId", body.orderId()) != null) {
      return Ids.checkId("orderId", body.orderId());
    }
    if (body.lines() == null || body.lines().isEmpty()) return "lines must hold at least one line";
    for (int i = 0; i < body.lines().size(); i++) {
      ManualLine line = body.lines().get(i);
      if (line == null) return "lines[" + i + "] is empty";
      String sku = Ids.checkId("lines[" + i + "].sku", line.sku());
      if (sku != null) return sku;
      if (line.quantity() == null || line.quantity() <= 0) return "lines[" + i + "].quantity must be greater than 0";
      if (line.unitPrice() != null && line.unitPrice().signum() < 0) return "lines[" + i + "].unitPrice is negative";
    }
    if (body.buyerPhone() != null && digits(body.buyerPhone()).isEmpty()) return "buyerPhone has no digits";
    return null;
  }

  private static String digits(String phone) {
    return phone == null ? null : phone.replaceAll("[^0-9]", "");
  }

  private CompletionStage<List<String>> unknownSkus(List<String> skus) {
    List<CompletableFuture<String>> checks = new ArrayList<>();
    for (String sku : skus) {
      checks.add(sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
          .<SkuEntity.Stock>askWithStatus(SkuEntity.GetStock::new, timeout)
          .thenApply(summary -> summary.exists() ? null : sku)
          .exceptionally(e -> sku)
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(v -> checks.stream().map(CompletableFuture::join).filter(s -> s != null).toList());
  }

  // --- event history from the journal

  private CompletionStage<List<EventEntry>> events(String orderKey) {
    JdbcReadJournal journal = PersistenceQuery.get(Adapter.toClassic(system))
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return journal.currentEventsByPersistenceId(OrderEntity.persistenceId(orderKey).id(), 0, Long.MAX_VALUE)
        .map(env -> new EventEntry(env.sequenceNr(), Instant.ofEpochMilli(env.timestamp()),
            env.event().getClass().getSimpleName(), env.event()))
        .runWith(Sink.seq(), system)
        .thenCompose(list -> list.isEmpty()
            ? CompletableFuture.failedFuture(new StatusReply.ErrorMessage(OrderEntity.NOT_FOUND))
            : CompletableFuture.completedFuture(list));
  }

  // --- JSON bodies: empty body → null; malformed → 400

  private <T> Route body(Class<T> type, Function<T, Route> inner) {
    return entity(Unmarshaller.entityToString(), text -> {
      if (text.isBlank()) return inner.apply(null);
      try {
        return inner.apply(json.readValue(text, type));
      } catch (JsonProcessingException e) {
        return replies.error(StatusCodes.BAD_REQUEST, "malformed JSON body: " + e.getOriginalMessage());
      }
    });
  }
}

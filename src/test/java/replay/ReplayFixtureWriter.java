package replay;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import common.MarketStatus;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import order.OrderEntity;
import sku.SkuEntity;
import sku.SkuEvents;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import tools.bench.FlashSale;

/**
 * Writes the replay fixture once, with the code of the day (see {@link ReplayFixture}): a small flash sale on all
 * three channels through the signed webhooks, then operator actions and marketplace status changes that take
 * orders through every resting phase, SKU admin changes, snapshots every few events, and one SKU whose journal holds
 * the legacy one-change-per-event events. Then the node is restarted on the same database (so what is recorded is
 * what a recovery from snapshot + events gives) and every order's and SKU's admin answers are recorded.
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat cp.txt) replay.ReplayFixtureWriter h2|postgres DIR};
 * for postgres, ORCH_TEST_DB_URL names an empty database of its own (the journal is dumped with pg_dump).
 */
public final class ReplayFixtureWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String LEGACY_SKU = "LEGACY-1";

  private ReplayFixtureWriter() {}

  public static void main(String[] args) throws Exception {
    String profile = args[0];
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    Path h2Dir = Files.createTempDirectory("replay-h2");
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("orchestrator.sku.snapshot-every", 4);
    overrides.put("orchestrator.notifications.enabled", true);
    overrides.put("orchestrator.orders.unpaid-hold", "30d");
    if (profile.equals("h2")) {
      overrides.put("orchestrator.db.profile", "h2");
      overrides.put("orchestrator.data-dir", h2Dir.toString());
    } else {
      support.TestDatabase.reset();
    }
    MarketNode market = MarketNode.start(overrides);
    List<String> orderPaths = new ArrayList<>();
    List<String> skus = new ArrayList<>();
    try {
      scenario(market, orderPaths, skus);
      market = market.restart();
      Map<String, JsonNode> expected = new TreeMap<>();
      for (String order : orderPaths) {
        expected.put(order, get(market.url(order)));
        expected.put(order + "/events", get(market.url(order + "/events")));
      }
      for (String sku : skus) {
        String path = "/admin/skus/" + sku;
        expected.put(path + "?reservationLimit=1000", get(market.url(path + "?reservationLimit=1000")));
        expected.put(path + "/history?limit=500", get(market.url(path + "/history?limit=500")));
      }
      JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("expected.json").toFile(), expected);
    } finally {
      market.close();
    }
    if (profile.equals("h2")) {
      try (var c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + h2Dir + "/orchestrator", "sa", "");
           var s = c.createStatement()) {
        s.execute("SCRIPT TO '" + out.resolve("journal.sql") + "'");
      }
    }
    System.out.println("fixture written to " + out + " (" + orderPaths.size() + " orders, " + skus.size() + " SKUs)");
  }

  private static void scenario(MarketNode market, List<String> orderPaths, List<String> skus) throws Exception {
    ActorSystem<?> system = market.node.system();
    String url = market.url("");
    MarketplaceConfig shops = MarketplaceConfig.fromConfig(market.config);
    FlashSale sale = new FlashSale(market.sandbox, shops, List.of(url), TestConfig.OPERATOR_TOKEN);
    FlashSale.Plan plan = new FlashSale.Plan(60, 0.3, 6, 3, 6, 42, "FIX");
    FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan, n -> { });
    FlashSale.Result result = sale.run(plan, catalogue, n -> { });
    skus.addAll(catalogue.skus());
    for (FlashSale.Placed p : result.orders()) {
      orderPaths.add("/admin/orders/" + p.channel() + "/" + p.shopId() + "/" + p.orderId());
    }
    awaitResting(market, orderPaths, Duration.ofMinutes(3));

    List<String> confirmed = new ArrayList<>();
    List<String> confirmedWhatsApp = new ArrayList<>();
    for (String o : orderPaths) {
      if (get(market.url(o)).path("phase").asText().equals("CONFIRMED")) {
        confirmed.add(o);
        if (o.contains("/whatsapp/")) confirmedWhatsApp.add(o);
      }
    }
    // operator actions: ship, cancel; marketplace news: delivered, completed, return
    post(market.url(confirmed.get(0) + "/cancel"), "{\"reason\":\"buyer asked\"}");
    post(market.url(confirmed.get(1) + "/cancel"), "");
    for (String o : confirmedWhatsApp.subList(0, 3)) post(market.url(o + "/ship"), "{\"trackingNumber\":\"TRK-" + o.hashCode() + "\"}");
    awaitResting(market, orderPaths, Duration.ofMinutes(1));
    notify(system, confirmedWhatsApp.get(0), "delivered", MarketStatus.DELIVERED);
    notify(system, confirmedWhatsApp.get(0), "completed", MarketStatus.COMPLETED);
    notify(system, confirmedWhatsApp.get(1), "return", MarketStatus.RETURN_REQUESTED);
    Thread.sleep(500);
    post(market.url(confirmedWhatsApp.get(1) + "/restock"), "");

    // a phone order with an unmapped line, mapped by an operator; an unpaid one held, then paid; one left unpaid
    String sku0 = catalogue.skus().get(1);
    post(market.url("/admin/skus/" + sku0 + "/adjustments"), "{\"delta\":20,\"reason\":\"RECEIVED\"}");
    ObjectNode manual = JSON.createObjectNode().put("channel", "phone").put("shopId", "counter").put("orderId", "PH-1")
        .put("buyerName", "Walk-in").put("buyerPhone", "62811111").put("address", "Jl. Fixture 1").put("currency", "IDR");
    manual.putArray("lines").addObject().put("sku", sku0).put("quantity", 2).put("unitPrice", 15000);
    post(market.url("/admin/orders"), manual.toString());
    orderPaths.add("/admin/orders/phone/counter/PH-1");
    unpaid(system, "UNPAID-1", sku0);
    unpaid(system, "UNPAID-2", sku0);
    unmapped(system, "UNMAPPED-1");
    orderPaths.add("/admin/orders/whatsapp/fixture/UNPAID-1");
    orderPaths.add("/admin/orders/whatsapp/fixture/UNPAID-2");
    orderPaths.add("/admin/orders/whatsapp/fixture/UNMAPPED-1");
    Thread.sleep(1000);
    post(market.url("/admin/orders/whatsapp/fixture/UNPAID-1/paid"), "");
    post(market.url("/admin/orders/whatsapp/fixture/UNMAPPED-1/map"), "{\"lineRef\":\"line-1\",\"sku\":\"" + sku0 + "\"}");

    // SKU admin: stock set, damaged, safety stock via push rules, a listing removed and put back
    String sku1 = catalogue.skus().get(2);
    put(market.url("/admin/skus/" + sku1 + "/stock"), "{\"onHand\":500}");
    post(market.url("/admin/skus/" + sku1 + "/adjustments"), "{\"delta\":-3,\"reason\":\"DAMAGED\"}");
    put(market.url("/admin/skus/" + sku1 + "/push-rules"),
        "{\"shopee\":{\"percent\":50,\"maxShown\":40},\"whatsapp\":{\"showZeroBelow\":5}}");
    delete(market.url("/admin/skus/" + sku1 + "/listings?channel=tiktok&shopId=" + sale.tiktokShop()));
    awaitResting(market, orderPaths, Duration.ofMinutes(1));

    legacySku(system);
    skus.add(LEGACY_SKU);
    // a SKU entity on top of the legacy events: a new-style change after them
    put(market.url("/admin/skus/" + LEGACY_SKU + "/stock"), "{\"onHand\":12}");
    Thread.sleep(2000);
  }

  private static void notify(ActorSystem<?> system, String path, String raw, MarketStatus status) throws Exception {
    String[] parts = path.split("/"); // "", admin, orders, channel, shop, id
    Channel channel = Channel.fromKey(parts[3]);
    ClusterSharding.get(system).entityRefFor(OrderEntity.ENTITY_TYPE_KEY,
            OrderEntity.orderKey(channel, parts[4], parts[5]))
        .<Done>askWithStatus(r -> new OrderEntity.Notify(channel, parts[4], parts[5], raw, status,
            "fix-" + raw + "-" + parts[5], Instant.now(), null, r), Duration.ofSeconds(20))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static void unpaid(ActorSystem<?> system, String orderId, String sku) throws Exception {
    order(system, orderId, MarketStatus.UNPAID, new common.OrderDetails.Line(sku, 1,
        new java.math.BigDecimal("15000"), "item " + sku, "line-1"));
  }

  private static void unmapped(ActorSystem<?> system, String orderId) throws Exception {
    order(system, orderId, MarketStatus.PAID, new common.OrderDetails.Line(null, 1,
        new java.math.BigDecimal("15000"), "unnamed item", "line-1"));
  }

  private static void order(ActorSystem<?> system, String orderId, MarketStatus status, common.OrderDetails.Line line)
      throws Exception {
    Instant now = Instant.now();
    common.OrderDetails details = new common.OrderDetails(Channel.WHATSAPP, "fixture", orderId, status.name(), status,
        "Buyer " + orderId, "62822222", "Jl. Fixture 2", "IDR", new java.math.BigDecimal("15000"), List.of(line), now,
        now);
    ClusterSharding.get(system).entityRefFor(OrderEntity.ENTITY_TYPE_KEY,
            OrderEntity.orderKey(Channel.WHATSAPP, "fixture", orderId))
        .<Done>askWithStatus(r -> new OrderEntity.Notify(Channel.WHATSAPP, "fixture", orderId, status.name(), status,
            "fix-" + orderId, now, details, r), Duration.ofSeconds(20))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A SKU journal as written before reservations were batched: one event per change. */
  private static void legacySku(ActorSystem<?> system) throws Exception {
    Instant at = Instant.parse("2026-01-05T10:00:00Z");
    Instant hold = Instant.parse("2026-01-05T11:00:00Z");
    List<SkuEvents.Event> events = List.of(
        new SkuEvents.StockSet(10, 0, 0, List.of(), false, "ops", at),
        new SkuEvents.StockReserved("o1", 3, null, at), new SkuEvents.StockReserved("o2", 2, hold, at),
        new SkuEvents.StockReserved("o3", 1, null, at), new SkuEvents.StockReserved("o4", 1, hold, at),
        new SkuEvents.ReservationCommitted("o1", 3, at), new SkuEvents.ReservationReleased("o3", 1, at),
        new SkuEvents.ReservationHoldCleared("o2", at), new SkuEvents.StockReturned("o1", 1, "ops", at),
        new SkuEvents.ReservationExpired("o4", 1, hold, at));
    var done = new java.util.concurrent.CompletableFuture<Done>();
    system.systemActorOf(new Writer(SkuEntity.persistenceId(LEGACY_SKU), events, SkuEntity.tagFor(LEGACY_SKU), done),
        "legacy-writer", akka.actor.typed.Props.empty()).tell("write");
    done.get(30, TimeUnit.SECONDS);
  }

  /** Persists the given events under a persistence id, then stops. */
  private static final class Writer extends EventSourcedBehavior<String, SkuEvents.Event, Integer> {
    private final List<SkuEvents.Event> events;
    private final String tag;
    private final java.util.concurrent.CompletableFuture<Done> done;

    Writer(PersistenceId id, List<SkuEvents.Event> events, String tag, java.util.concurrent.CompletableFuture<Done> done) {
      super(id);
      this.events = events;
      this.tag = tag;
      this.done = done;
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public akka.persistence.typed.javadsl.SignalHandler<Integer> signalHandler() {
      return newSignalHandlerBuilder().onSignal(akka.persistence.typed.RecoveryCompleted.instance(), s -> {
        if (s != 0) throw new IllegalStateException(LEGACY_SKU + " has a journal already");
      }).build();
    }

    @Override
    public CommandHandler<String, SkuEvents.Event, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onAnyCommand((s, c) -> Effect().persist(events).thenRun(x -> done.complete(Done.getInstance())).thenStop());
    }

    @Override
    public EventHandler<Integer, SkuEvents.Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
    }

    @Override
    public Set<String> tagsFor(SkuEvents.Event event) {
      return Set.of(tag);
    }
  }

  /** Waits until no order is in a phase that is still waiting for an answer. */
  private static void awaitResting(MarketNode market, List<String> orderPaths, Duration timeout) throws Exception {
    Set<String> moving = Set.of("NOTIFIED", "FETCHING", "RESERVING", "SHIPPING", "CANCELLING");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> busy = new ArrayList<>();
      for (String o : orderPaths) {
        JsonNode view = get(market.url(o), false);
        String phase = view == null ? "?" : view.path("phase").asText();
        if (moving.contains(phase) || phase.equals("?")
            || (phase.equals("OUT_OF_STOCK") && view.path("reserved").size() > 0)) busy.add(o + "=" + phase);
      }
      if (busy.isEmpty()) return;
      if (System.nanoTime() > deadline) throw new AssertionError("orders still moving: " + busy);
      Thread.sleep(300);
    }
  }

  static JsonNode get(String url) throws Exception {
    return get(url, true);
  }

  private static JsonNode get(String url, boolean strict) throws Exception {
    HttpResponse<String> r = Http.get(url);
    if (r.statusCode() != 200) {
      if (strict) throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
      return null;
    }
    return JSON.readTree(r.body());
  }

  private static void post(String url, String body) {
    send("POST", url, body);
  }

  private static void put(String url, String body) {
    send("PUT", url, body);
  }

  private static void delete(String url) {
    send("DELETE", url, "");
  }

  private static void send(String method, String url, String body) {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    if (r.statusCode() / 100 != 2) throw new IllegalStateException(method + " " + url + " answered " + r.statusCode()
        + ": " + r.body());
  }
}

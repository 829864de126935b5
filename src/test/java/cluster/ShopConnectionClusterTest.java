package cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import support.NodeProcess;
import support.PrivatePostgres;
import tools.sandbox.Sandbox;

/**
 * The shop's connection entity ({@code ShopConnection}, entity {@code shopee|1001}) in a real cluster of node JVMs
 * (see {@link FaultCluster}): Shopee access tokens living 10 s, so the entity refreshes every 7.5 s while orders flow,
 * and the single-use refresh tokens must survive the entity moving between nodes: in a rolling restart (graceful
 * hand-over) and when its node is killed with SIGKILL in the middle of a refresh (recovery sends it again).
 * Each test prints one line of what it measured.
 */
@Tag("fault")
class ShopConnectionClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String SHOP = WebhookBurst.SHOPEE_SHOP;
  static final String SKU = "CONN-001";
  static final long ITEM = 590001;
  static final Duration LIFETIME = Duration.ofSeconds(10);
  static final String REFRESH_PATH = "auth/access_token/get";

  static PrivatePostgres pg;

  @BeforeAll
  static void startPostgres() {
    pg = PrivatePostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) pg.close();
  }

  // ------------------------------------------------------------------------------------------ rolling restart

  @Test
  void aRollingRestartMovesTheShopConnectionWithoutReusingARefreshTokenOrLosingAnOrder() throws Exception {
    try (FaultCluster cluster = new FaultCluster(pg, "conn_roll")) {
      long began = System.currentTimeMillis();
      Sandbox sandbox = cluster.sandbox;
      // Before the nodes exist, so before the first refresh: every token the shop ever gets lives 10 s.
      sandbox.setShopeeTokenLifetime(LIFETIME);
      cluster.start(3);
      catalogue(cluster);
      OrderStream stream = new OrderStream(cluster, "CROLL", 3);
      stream.start();
      long streamFrom = System.currentTimeMillis();
      long refreshesAtStart = sandbox.shopeeRefreshCount(SHOP);
      Thread.sleep(8_000); // orders flowing and a refresh or two before the first restart

      List<String> steps = new ArrayList<>();
      for (NodeProcess old : List.copyOf(cluster.nodes)) {
        long t0 = System.currentTimeMillis();
        long before = sandbox.shopeeRefreshCount(SHOP);
        old.stop(); // SIGTERM: CoordinatedShutdown hands the node's shards (the connection's among them) over
        long stopped = System.currentTimeMillis();
        cluster.startAnother();
        cluster.awaitUp(3, Duration.ofSeconds(90));
        steps.add(String.format("node %d stop %.1f s + new node Up %.1f s (refreshes meanwhile %d)", old.index,
            (stopped - t0) / 1000.0, (System.currentTimeMillis() - stopped) / 1000.0,
            sandbox.shopeeRefreshCount(SHOP) - before));
      }
      // Orders on the all-new cluster, and more refreshes there: at least 60 s of orders in all, so that the
      // refresh count below (one per 7.5 s) is a real check.
      Thread.sleep(Math.max(8_000, 60_000 - (System.currentTimeMillis() - streamFrom)));
      stream.stop();
      long streamUntil = System.currentTimeMillis();
      long refreshes = sandbox.shopeeRefreshCount(SHOP) - refreshesAtStart;
      double seconds = (streamUntil - streamFrom) / 1000.0;
      long minRefreshes = (long) Math.floor(seconds / LIFETIME.toSeconds()) - 2;

      Map<String, String> phases = stream.awaitConfirmed(Duration.ofSeconds(90));
      List<String> notConfirmed = notConfirmed(phases);
      JsonNode connection = awaitConnectionOk(cluster, Duration.ofSeconds(20));
      long reuses = sandbox.shopeeRefreshTokenReuses();
      long reauthorisations = sandbox.calls(Channel.SHOPEE, "auth/token/get").size();

      System.out.printf("CONNECTION rolling restart: orders sent %d, accepted %d, confirmed %d, non-200 answers "
              + "redelivered %d, token refreshes %d in %.1f s of orders (at least %d wanted), refresh token reuses %d, "
              + "token/get calls %d, connection %s, restarts (%s), test %.0f s%n",
          stream.orders.size(), stream.accepted(), phases.size() - notConfirmed.size(), stream.non200(), refreshes,
          seconds, minRefreshes, reuses, reauthorisations, summary(connection), String.join("; ", steps),
          (System.currentTimeMillis() - began) / 1000.0);

      assertTrue(stream.orders.size() >= seconds * 2, "at least 2 orders a second were sent: " + stream.orders.size());
      assertEquals(stream.orders.size(), stream.accepted(), "every order is accepted (redelivered until a 200)");
      assertTrue(notConfirmed.isEmpty(), "orders not CONFIRMED: "
          + notConfirmed.subList(0, Math.min(10, notConfirmed.size())) + cluster.logs());
      assertEquals(0, reuses, "a spent Shopee refresh token was presented again" + cluster.logs());
      assertTrue(refreshes >= minRefreshes, "token refreshes " + refreshes + " in " + seconds + " s, wanted >= "
          + minRefreshes + cluster.logs());
      assertEquals(0, reauthorisations, "no re-authorisation (auth/token/get) was needed");
      assertConnectionOk(connection);
    }
  }

  // ------------------------------------------------------------------------------------ killed mid-refresh

  @Test
  void theConnectionsNodeKilledMidRefreshIsRefreshedAgainOnASurvivorWithTheUnspentToken() throws Exception {
    try (FaultCluster cluster = new FaultCluster(pg, "conn_kill")) {
      long began = System.currentTimeMillis();
      Sandbox sandbox = cluster.sandbox;
      sandbox.setShopeeTokenLifetime(LIFETIME);
      cluster.start(3);
      catalogue(cluster);
      OrderStream stream = new OrderStream(cluster, "CKILL", 2);
      stream.start();
      // A first refresh: from now on the entity refreshes on its own timer every 7.5 s, wherever it lives.
      awaitTrue(() -> sandbox.shopeeRefreshCount(SHOP) >= 1, Duration.ofSeconds(60), "a first token refresh");
      Thread.sleep(2_000);

      long refreshesBeforeHold = sandbox.shopeeRefreshCount(SHOP);
      int callsBeforeHold = sandbox.calls(Channel.SHOPEE, REFRESH_PATH).size();
      sandbox.holdShopeeRefreshes(false); // the next refresh reaches the sandbox but is not processed
      awaitTrue(() -> sandbox.shopeeRefreshesHeld() > 0, Duration.ofSeconds(30), "a held refresh");
      long heldAt = System.currentTimeMillis();

      // Which node sent it? The sandbox records no client address, and /admin/cluster counts no ShopConnection
      // entities; but only the entity's host logs "shopee 1001: ..." (tokens refreshed, refresh failed for now),
      // so the host is the node whose log has the latest such line. That this guess was right is asserted below: a
      // survivor then logs the recovery in the refreshing state, which only happens when the host died mid-refresh.
      NodeProcess host = latestConnectionLogger(cluster);
      assertNotNull(host, "no node logged anything of the shop's connection" + cluster.logs());
      List<NodeProcess> survivors = cluster.alive().stream().filter(n -> n != host).toList();
      int heldAtKill = sandbox.shopeeRefreshesHeld();
      host.kill(); // SIGKILL while its refresh is held unprocessed
      long killedAt = System.currentTimeMillis();
      int ordersAtKill = stream.orders.size();
      // The held request (and its retries from the dead node) are answered 503, never processed: the refresh token
      // they carry is still unspent.
      sandbox.releaseShopeeRefreshes(false);

      awaitTrue(() -> sandbox.shopeeRefreshCount(SHOP) > refreshesBeforeHold, Duration.ofSeconds(60),
          "a refresh after the kill");
      long refreshedAt = System.currentTimeMillis();
      Thread.sleep(10_000); // orders after the recovery, and another refresh on the survivor
      stream.stop();

      Map<String, String> phases = stream.awaitConfirmed(Duration.ofSeconds(90));
      List<String> notConfirmed = notConfirmed(phases);
      List<OrderStream.Sent> afterKill = stream.orders.subList(ordersAtKill, stream.orders.size());
      List<String> afterKillNotConfirmed = afterKill.stream()
          .filter(o -> !"CONFIRMED".equals(phases.get(o.orderId()))).map(o -> o.orderId() + "=" + phases.get(o.orderId()))
          .toList();
      JsonNode connection = awaitConnectionOk(cluster, Duration.ofSeconds(20));
      List<String> recovered = survivors.stream()
          .filter(n -> log(n).contains("shopee " + SHOP + ": recovered while refreshing"))
          .map(n -> "node " + n.index).toList();

      // Every refresh call since the hold: the discarded ones (the dead node's) and the survivor's that succeeded
      // must all carry the one refresh token the shop had before the hold.
      List<Sandbox.Call> since = sandbox.calls(Channel.SHOPEE, REFRESH_PATH);
      since = since.subList(callsBeforeHold, since.size());
      List<String> discarded = new ArrayList<>();
      String firstOk = null;
      for (Sandbox.Call c : since) {
        if (c.outcome().equals("discarded")) discarded.add(refreshToken(c));
        else if (c.status() == 200 && firstOk == null) firstOk = refreshToken(c);
      }
      Set<String> tokensPresented = new java.util.HashSet<>(discarded);
      if (firstOk != null) tokensPresented.add(firstOk);
      long reuses = sandbox.shopeeRefreshTokenReuses();
      // token/get is the code exchange of a (re-)authorisation; "auth/token/get" leaves out access_token/get.
      int reauthorisations = sandbox.calls(Channel.SHOPEE, "auth/token/get").size();

      System.out.printf("CONNECTION node killed mid-refresh: host node %d killed %.1f s after the refresh was held "
              + "(%d held), refreshed again %.1f s after the kill, recovered in refreshing state on %s, refresh calls "
              + "since the hold %d (discarded %d, first success %s), distinct refresh tokens presented %d, reuses %d, "
              + "token/get calls %d, orders sent %d (after the kill %d), accepted %d, confirmed %d (after the kill %d), "
              + "refreshes %d, connection %s, test %.0f s%n",
          host.index, (killedAt - heldAt) / 1000.0, heldAtKill, (refreshedAt - killedAt) / 1000.0, recovered,
          since.size(), discarded.size(), firstOk != null, tokensPresented.size(), reuses, reauthorisations,
          stream.orders.size(), afterKill.size(), stream.accepted(), phases.size() - notConfirmed.size(),
          afterKill.size() - afterKillNotConfirmed.size(), sandbox.shopeeRefreshCount(SHOP), summary(connection),
          (System.currentTimeMillis() - began) / 1000.0);

      assertFalse(recovered.isEmpty(), "no survivor recovered the connection in the refreshing state: the killed node "
          + host.index + " was not refreshing" + cluster.logs());
      assertTrue(heldAtKill > 0, "the refresh was held when the node was killed");
      assertFalse(discarded.isEmpty(), "the held refresh was answered 503 unprocessed");
      assertNotNull(firstOk, "a refresh succeeded after the kill");
      assertEquals(1, tokensPresented.size(), "the refresh after the kill presents the held, unspent refresh token: "
          + tokensPresented.size() + " distinct tokens");
      assertEquals(0, reuses, "a spent Shopee refresh token was presented again" + cluster.logs());
      assertEquals(0, reauthorisations, "no re-authorisation (token/get) was needed");
      assertTrue(afterKill.size() >= 10, "orders were sent after the kill: " + afterKill.size());
      assertEquals(stream.orders.size(), stream.accepted(), "every order is accepted (redelivered until a 200)");
      assertTrue(afterKillNotConfirmed.isEmpty(), "orders sent after the kill not CONFIRMED: "
          + afterKillNotConfirmed.subList(0, Math.min(10, afterKillNotConfirmed.size())) + cluster.logs());
      assertTrue(notConfirmed.isEmpty(), "orders not CONFIRMED: " + notConfirmed.subList(0,
          Math.min(10, notConfirmed.size())));
      assertConnectionOk(connection);
    }
  }

  // --------------------------------------------------------------------------------------------- helpers

  /** One SKU with stock for every order, listed on the shop as item {@link #ITEM}. */
  private static void catalogue(FaultCluster cluster) throws Exception {
    String base = cluster.lb.url("/admin/skus/" + SKU);
    FaultCluster.adminSend("PUT", base + "/stock", "{\"onHand\":100000}");
    FaultCluster.adminSend("PUT", base + "/listings", "{\"channel\":\"shopee\",\"shopId\":\"" + SHOP
        + "\",\"itemId\":\"" + ITEM + "\",\"modelId\":\"0\"}");
  }

  private static List<String> notConfirmed(Map<String, String> phases) {
    return phases.entrySet().stream().filter(e -> !"CONFIRMED".equals(e.getValue()))
        .map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  /** Shop 1001's entry of GET /admin/shops on a live node, polled until connected/refreshing with outcome ok. */
  private static JsonNode awaitConnectionOk(FaultCluster cluster, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (true) {
      try {
        last = shopEntry(FaultCluster.adminJson(cluster.alive().get(0).url("/admin/shops"), Duration.ofSeconds(10)));
        if (connectionOk(last)) return last;
      } catch (Exception notNow) {
        // a node busy: asked again
      }
      if (System.nanoTime() > deadline) return last;
      Thread.sleep(500);
    }
  }

  private static JsonNode shopEntry(JsonNode shops) {
    for (JsonNode s : shops) {
      if (s.path("channel").asText().equals("shopee") && s.path("shopId").asText().equals(SHOP)) return s;
    }
    return null;
  }

  private static boolean connectionOk(JsonNode shop) {
    if (shop == null) return false;
    String state = shop.path("connection").path("state").asText();
    return (state.equals("connected") || state.equals("refreshing"))
        && shop.path("connection").path("lastRefreshOutcome").asText().equals("ok");
  }

  private static void assertConnectionOk(JsonNode shop) {
    assertNotNull(shop, "GET /admin/shops lists shopee " + SHOP);
    String state = shop.path("connection").path("state").asText();
    assertTrue(state.equals("connected") || state.equals("refreshing"), "connection state " + state + ": " + shop);
    assertEquals("ok", shop.path("connection").path("lastRefreshOutcome").asText(), "last refresh outcome: " + shop);
    assertFalse(shop.path("connection").path("lastRefreshAt").isMissingNode(), "a last refresh time: " + shop);
  }

  private static String summary(JsonNode shop) {
    if (shop == null) return "(not listed)";
    JsonNode c = shop.path("connection");
    return c.path("state").asText() + "/" + c.path("lastRefreshOutcome").asText() + " at "
        + c.path("lastRefreshAt").asText();
  }

  private static String refreshToken(Sandbox.Call c) {
    try {
      return JSON.readTree(c.body()).path("refresh_token").asText();
    } catch (IOException e) {
      return "(unreadable body)";
    }
  }

  /** The node's whole log so far. */
  private static String log(NodeProcess node) {
    try {
      Path dir = Files.createTempDirectory("conn-log");
      node.copyLogTo(dir);
      try (var files = Files.list(dir)) {
        Path file = files.findFirst().orElse(null);
        String text = file == null ? "" : Files.readString(file);
        if (file != null) Files.delete(file);
        Files.delete(dir);
        return text;
      }
    } catch (IOException e) {
      return "";
    }
  }

  /** The live node whose log has the latest line of the shop's connection entity ("shopee 1001: ..."). */
  private static NodeProcess latestConnectionLogger(FaultCluster cluster) {
    NodeProcess latest = null;
    String latestAt = "";
    for (NodeProcess n : cluster.alive()) {
      for (String line : log(n).split("\n")) {
        if (line.contains("ShopConnection") && line.contains("shopee " + SHOP) && line.length() > 12
            && line.substring(0, 12).compareTo(latestAt) > 0) {
          latestAt = line.substring(0, 12); // HH:mm:ss.SSS
          latest = n;
        }
      }
    }
    return latest;
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitTrue(Check check, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) throw new AssertionError("no " + what + " within " + timeout);
      Thread.sleep(200);
    }
  }

  /**
   * Shopee orders at {@code perSecond}, each a new order the sandbox knows (one unit of {@link #SKU}), notified by a
   * signed push through the load balancer and, like Shopee, pushed again every 500 ms until a 200 (3 minutes at most).
   */
  static final class OrderStream {
    record Sent(String orderId, long sentAt, List<Integer> statuses, AtomicBoolean accepted) {}

    private final FaultCluster cluster;
    private final String prefix;
    private final int perSecond;
    final List<Sent> orders = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "order-stream");
      t.setDaemon(true);
      return t;
    });
    private final List<java.util.concurrent.Future<?>> deliveries = new CopyOnWriteArrayList<>();
    private java.util.concurrent.Future<?> ticker;

    OrderStream(FaultCluster cluster, String prefix, int perSecond) {
      this.cluster = cluster;
      this.prefix = prefix;
      this.perSecond = perSecond;
    }

    void start() {
      running.set(true);
      AtomicInteger next = new AtomicInteger();
      ticker = pool.submit(() -> {
        long every = 1000 / perSecond;
        long at = System.currentTimeMillis();
        while (running.get()) {
          String id = prefix + "-" + next.getAndIncrement();
          cluster.sandbox.addShopeeOrder(SHOP, id, "READY_TO_SHIP", List.of(
              new Sandbox.ShopeeItem(ITEM, 0, SKU, null, 1, new BigDecimal("49000"))));
          Sent sent = new Sent(id, System.currentTimeMillis(), new CopyOnWriteArrayList<>(), new AtomicBoolean());
          orders.add(sent);
          deliveries.add(pool.submit(() -> deliver(sent)));
          at += every;
          long wait = at - System.currentTimeMillis();
          if (wait > 0) Thread.sleep(wait);
        }
        return null;
      });
    }

    private Void deliver(Sent o) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 180_000;
      String url = cluster.lb.url("/webhooks/shopee");
      while (true) {
        int status;
        try {
          status = cluster.sandbox.sendShopeeOrderStatus(url, SHOP, o.orderId(), "READY_TO_SHIP",
              Sandbox.Redelivery.ONCE).toCompletableFuture().get(15, TimeUnit.SECONDS).status();
        } catch (Exception e) {
          status = 0;
        }
        o.statuses().add(status);
        if (status == 200) {
          o.accepted().set(true);
          return null;
        }
        if (System.currentTimeMillis() > deadline) return null;
        Thread.sleep(500);
      }
    }

    /** Stops sending new orders and waits for every delivery to end (a 200 or its deadline). */
    void stop() throws Exception {
      running.set(false);
      ticker.get(10, TimeUnit.SECONDS);
      for (java.util.concurrent.Future<?> d : deliveries) d.get(200, TimeUnit.SECONDS);
    }

    long accepted() {
      return orders.stream().filter(o -> o.accepted().get()).count();
    }

    long non200() {
      return orders.stream().flatMap(o -> o.statuses().stream()).filter(s -> s != 200).count();
    }

    /** Polls every order's phase (through the load balancer) until all are CONFIRMED or the timeout. */
    Map<String, String> awaitConfirmed(Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      Map<String, String> phases = new ConcurrentHashMap<>();
      for (Sent o : orders) phases.put(o.orderId(), "no answer");
      ExecutorService readers = Executors.newFixedThreadPool(8);
      try {
        while (true) {
          List<java.util.concurrent.Future<?>> reads = new ArrayList<>();
          for (Sent o : orders) {
            if ("CONFIRMED".equals(phases.get(o.orderId()))) continue;
            reads.add(readers.submit(() -> {
              try {
                JsonNode v = FaultCluster.adminJson(cluster.lb.url("/admin/orders/shopee/" + SHOP + "/" + o.orderId()),
                    Duration.ofSeconds(10));
                phases.put(o.orderId(), v.path("phase").asText());
              } catch (Exception e) {
                // not answered now: asked again
              }
              return null;
            }));
          }
          for (java.util.concurrent.Future<?> r : reads) r.get();
          boolean all = phases.values().stream().allMatch("CONFIRMED"::equals);
          if (all || System.nanoTime() > deadline) return new LinkedHashMap<>(phases);
          Thread.sleep(1000);
        }
      } finally {
        readers.shutdownNow();
        pool.shutdownNow();
      }
    }
  }
}

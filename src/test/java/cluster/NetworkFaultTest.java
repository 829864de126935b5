package cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import support.HostNetwork;
import support.PrivatePostgres;

/**
 * Network faults on a cluster across hosts of their own ({@link NetnsCluster}: three network namespaces, Cluster
 * Bootstrap with config discovery), mid-burst: a node cut off from the other nodes for 20 s while it keeps running
 * and keeps getting webhooks, a node cut from PostgreSQL alone, and a flapping link. Each ends with every accepted
 * order final, nothing oversold, every listing right and a cluster of three. Each prints one line of what it
 * measured. Needs root (network namespaces); run alone with scripts/netns-tests.sh.
 */
@Tag("fault")
class NetworkFaultTest {
  static final int HOSTS = 3;
  static final Duration CUT = Duration.ofSeconds(20);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static PrivatePostgres pg;

  @BeforeAll
  static void startPostgres() {
    assertNull(HostNetwork.unavailableReason(), "the namespace cluster tests need network namespaces");
    pg = PrivatePostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) pg.close();
  }

  // ------------------------------------------------------------------ a node cut off from the others 20 s

  @Test
  void aNodeCutOffFromTheOthersIsDownedByTheMajorityAndRejoinsAsANewIncarnationWithNothingLostOrOversold()
      throws Exception {
    try (NetnsCluster cluster = new NetnsCluster(pg, "netns_cut", HOSTS)) {
      long began = System.currentTimeMillis();
      cluster.start();
      Sale sale = Sale.underWay(cluster, 60, 29, "CUT", 360, 31);
      WebhookBurst burst = sale.burst();
      List<WebhookBurst.Order> planned = sale.planned();
      Future<?> sending = sale.sending();

      int cutHost = 3; // not the oldest: the coordinator and singletons stay on the majority
      String cutAddress = cluster.node(cutHost).address();
      long uidBefore = cluster.uidOf(cutHost, 1);
      // A marketplace that resolved the cut-off node's address keeps sending there.
      WebhookBurst direct = burst.sendingTo(cluster.node(cutHost).url(""));
      List<WebhookBurst.Order> toCutSide = direct.plan("CUTSIDE", 40, 37);

      cluster.network.cutFromCluster(cutHost);
      long cutAt = System.currentTimeMillis();
      Future<?> sendingToCutSide = direct.send(toCutSide, 2, Duration.ofMillis(400), Duration.ofMillis(500),
          Duration.ofMinutes(4));
      MembershipWatch watch = MembershipWatch.start(cluster, 1, cutAddress, uidBefore, cutAt);
      Thread.sleep(CUT.toMillis());
      cluster.network.restoreCluster(cutHost);
      long restoredAt = System.currentTimeMillis();
      JsonNode view = cluster.awaitUp(HOSTS, Duration.ofSeconds(150));
      long rejoinedAt = System.currentTimeMillis();
      long uidAfter = cluster.uidOf(cutHost, 1);
      watch.stop();

      sending.get(5, TimeUnit.MINUTES);
      sendingToCutSide.get(5, TimeUnit.MINUTES);
      Verdict verdict = Verdict.of(burst, List.of(burst, direct));
      Map<Integer, Integer> cutSideAnswers = answersBetween(direct, cutAt, restoredAt);
      long exitedAt = cluster.restarts.stream().filter(r -> r.host() == cutHost).mapToLong(NetnsCluster.Restart::exitedAt)
          .min().orElse(-1);

      System.out.printf("NETNS node cut from the others %d s mid-burst: orders sent %d (%d to the cut-off node), "
              + "accepted %d, final %d (confirmed %d), oversold %d, listings off %d; answers of the cut-off node "
              + "while cut %s; majority saw it unreachable after %.1f s, removed it after %.1f s; its JVM exited "
              + "(downed itself) after %.1f s; rejoined %.1f s after the link came back as a new incarnation "
              + "(uid %d -> %d); restarts %d; test %.0f s%n",
          CUT.toSeconds(), planned.size() + toCutSide.size(), toCutSide.size(), verdict.accepted.size(),
          verdict.accepted.size() - verdict.notFinal.size(), verdict.outcome.confirmed(), verdict.outcome.oversold(),
          verdict.listings.size(), cutSideAnswers, watch.seconds(watch.unreachable), watch.seconds(watch.removed),
          exitedAt < 0 ? -1 : (exitedAt - cutAt) / 1000.0, (rejoinedAt - restoredAt) / 1000.0, uidBefore, uidAfter,
          cluster.restarts.size(), (System.currentTimeMillis() - began) / 1000.0);

      verdict.assertNothingLostOrOversold(planned.size() + toCutSide.size(), cluster);
      assertTrue(cutSideAnswers.keySet().stream().allMatch(s -> s == 200 || s == 503 || s == 0),
          "the cut-off node answers 200 (recorded) or 503, or does not answer: " + cutSideAnswers);
      assertTrue(cutSideAnswers.getOrDefault(503, 0) + cutSideAnswers.getOrDefault(0, 0) > 0,
          "orders whose entities live on the majority are refused on the cut-off side: " + cutSideAnswers);
      assertTrue(watch.removed.get() >= 0, "the majority removed the cut-off node" + cluster.logs());
      assertTrue(exitedAt > 0 && exitedAt < restoredAt, "the cut-off node downed itself while cut" + cluster.logs());
      assertNotEquals(0, uidAfter, "the host is a member again: " + view);
      assertNotEquals(uidBefore, uidAfter, "it rejoined as a new incarnation");
      burst.close();
      direct.close();
    }
  }

  // ------------------------------------------------------------------- a node cut from PostgreSQL only

  @Test
  void aNodeCutFromPostgresAloneAnswers503ForWhatItCannotRecordAndStaysAMember() throws Exception {
    try (NetnsCluster cluster = new NetnsCluster(pg, "netns_db", HOSTS)) {
      long began = System.currentTimeMillis();
      cluster.start();
      Sale sale = Sale.underWay(cluster, 50, 41, "DBCUT", 300, 43);
      WebhookBurst burst = sale.burst();
      List<WebhookBurst.Order> planned = sale.planned();
      Future<?> sending = sale.sending();

      int cutHost = 2;
      Map<Integer, Long> uidsBefore = uids(cluster);
      cluster.databasePaths.get(cutHost).cut();
      long cutAt = System.currentTimeMillis();
      Map<String, Integer> healthWhileCut = new TreeMap<>();
      while (System.currentTimeMillis() < cutAt + CUT.toMillis()) {
        healthWhileCut.merge(status(cluster.node(cutHost).url("/health")), 1, Integer::sum);
        Thread.sleep(500);
      }
      cluster.databasePaths.get(cutHost).restore();
      long restoredAt = System.currentTimeMillis();

      sending.get(5, TimeUnit.MINUTES);
      Verdict verdict = Verdict.of(burst, List.of(burst));
      Map<Integer, Integer> answersWhileCut = answersBetween(burst, cutAt, restoredAt);
      JsonNode view = cluster.awaitUp(HOSTS, Duration.ofSeconds(60));
      Map<Integer, Long> uidsAfter = uids(cluster);

      System.out.printf("NETNS node cut from PostgreSQL %d s mid-burst: orders sent %d, accepted %d, final %d "
              + "(confirmed %d), oversold %d, listings off %d; webhook answers while cut %s; the cut node's /health "
              + "while cut %s; restarts %d, members unchanged %b; test %.0f s%n",
          CUT.toSeconds(), planned.size(), verdict.accepted.size(), verdict.accepted.size() - verdict.notFinal.size(),
          verdict.outcome.confirmed(), verdict.outcome.oversold(), verdict.listings.size(), answersWhileCut,
          healthWhileCut, cluster.restarts.size(), uidsBefore.equals(uidsAfter),
          (System.currentTimeMillis() - began) / 1000.0);

      verdict.assertNothingLostOrOversold(planned.size(), cluster);
      assertTrue(answersWhileCut.getOrDefault(503, 0) > 0, "what the cut node could not record was refused: "
          + answersWhileCut);
      assertTrue(healthWhileCut.keySet().stream().anyMatch(s -> !s.equals("200")),
          "the cut node reports itself degraded: " + healthWhileCut);
      // Not a partition: every node still sees every other, so the Split Brain Resolver has nothing to decide.
      assertEquals(uidsBefore, uidsAfter, "no node downed or restarted: " + view);
      assertTrue(cluster.restarts.isEmpty(), "no restarts: " + cluster.restarts);
      burst.close();
    }
  }

  // ------------------------------------------------------------------------------------- a flapping link

  @Test
  void aFlappingLinkLosesNothingOversellsNothingAndEndsAsOneClusterOfThree() throws Exception {
    try (NetnsCluster cluster = new NetnsCluster(pg, "netns_flap", HOSTS)) {
      long began = System.currentTimeMillis();
      cluster.start();
      Sale sale = Sale.underWay(cluster, 60, 47, "FLAP", 360, 53);
      WebhookBurst burst = sale.burst();
      List<WebhookBurst.Order> planned = sale.planned();
      Future<?> sending = sale.sending();

      int flappingHost = 3;
      Map<Integer, Long> uidsBefore = uids(cluster);
      // Down long enough to be detected (~5 s), up too briefly for the membership to settle: 6 rounds, 36 s.
      long flapFrom = System.currentTimeMillis();
      for (int round = 0; round < 6; round++) {
        cluster.network.cutFromCluster(flappingHost);
        Thread.sleep(4500);
        cluster.network.restoreCluster(flappingHost);
        Thread.sleep(1500);
      }
      long flapUntil = System.currentTimeMillis();
      JsonNode view = cluster.awaitUp(HOSTS, Duration.ofSeconds(180));
      long settledAt = System.currentTimeMillis();
      Map<Integer, Long> uidsAfter = uids(cluster);

      sending.get(5, TimeUnit.MINUTES);
      Verdict verdict = Verdict.of(burst, List.of(burst));
      Map<Integer, Integer> answersWhileFlapping = answersBetween(burst, flapFrom, flapUntil);
      List<Integer> restartedHosts = cluster.restarts.stream().map(NetnsCluster.Restart::host).distinct().sorted()
          .toList();

      System.out.printf("NETNS flapping link (4.5 s down / 1.5 s up x 6) mid-burst: orders sent %d, accepted %d, "
              + "final %d (confirmed %d), oversold %d, listings off %d; webhook answers while flapping %s; hosts "
              + "downed and restarted %s; one cluster of %d Up %.1f s after the flapping; uids %s -> %s; test %.0f s%n",
          planned.size(), verdict.accepted.size(), verdict.accepted.size() - verdict.notFinal.size(),
          verdict.outcome.confirmed(), verdict.outcome.oversold(), verdict.listings.size(), answersWhileFlapping,
          restartedHosts, HOSTS, (settledAt - flapUntil) / 1000.0, uidsBefore, uidsAfter,
          (System.currentTimeMillis() - began) / 1000.0);

      verdict.assertNothingLostOrOversold(planned.size(), cluster);
      for (int h = 1; h <= HOSTS; h++) {
        boolean restarted = restartedHosts.contains(h);
        assertEquals(restarted, !uidsBefore.get(h).equals(uidsAfter.get(h)),
            "host " + h + ": a downed node comes back as a new incarnation, the others stay: " + uidsBefore + " -> "
                + uidsAfter);
      }
      burst.close();
    }
  }

  // --------------------------------------------------------------------------------------------- helpers

  /** A sale on 30 SKUs, 12 webhooks at a time, 200 ms apart per client, already 60 orders answered. */
  record Sale(WebhookBurst burst, List<WebhookBurst.Order> planned, Future<?> sending) {
    static Sale underWay(NetnsCluster cluster, int hotStock, long catalogueSeed, String runId, int orders, long seed)
        throws Exception {
      WebhookBurst burst = new WebhookBurst(cluster.sandbox, cluster.lb.url(""));
      burst.catalogue(30, hotStock, catalogueSeed);
      List<WebhookBurst.Order> planned = burst.plan(runId, orders, seed);
      Future<?> sending = burst.send(planned, 12, Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMinutes(4));
      while (burst.answered.get() < 60 && !sending.isDone()) Thread.sleep(20);
      return new Sale(burst, planned, sending);
    }
  }

  /** Each host's incarnation as host 1 sees it. */
  static Map<Integer, Long> uids(NetnsCluster cluster) {
    Map<Integer, Long> uids = new TreeMap<>();
    for (int h = 1; h <= HOSTS; h++) uids.put(h, cluster.uidOf(h, 1));
    return uids;
  }

  /** Answers (by status; 0 = no answer) to webhook attempts started in [from, until). */
  static Map<Integer, Integer> answersBetween(WebhookBurst burst, long from, long until) {
    Map<Integer, Integer> answers = new TreeMap<>();
    for (WebhookBurst.Order o : burst.orders) {
      for (WebhookBurst.Attempt a : o.attempts()) {
        if (a.atMillis() >= from && a.atMillis() < until) answers.merge(a.status(), 1, Integer::sum);
      }
    }
    return answers;
  }

  static String status(String url) {
    try {
      return Integer.toString(CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3))
          .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode());
    } catch (Exception e) {
      return "no answer";
    }
  }

  /** Every accepted order's final view, the stock outcome and the listings, read through the load balancer. */
  record Verdict(List<WebhookBurst.Order> accepted, List<String> notFinal, WebhookBurst.Outcome outcome,
                 List<String> listings) {
    static Verdict of(WebhookBurst reader, List<WebhookBurst> bursts) throws Exception {
      List<WebhookBurst.Order> accepted = new ArrayList<>();
      for (WebhookBurst b : bursts) accepted.addAll(b.orders.stream().filter(WebhookBurst.Order::accepted).toList());
      Map<String, JsonNode> views = reader.awaitFinal(accepted, Duration.ofSeconds(150));
      return new Verdict(accepted, WebhookBurst.notFinal(accepted, views), reader.outcome(accepted, views),
          reader.awaitListings(Duration.ofSeconds(90)));
    }

    void assertNothingLostOrOversold(int sent, NetnsCluster cluster) {
      assertEquals(sent, accepted.size(), "every order is accepted in the end (the sandbox redelivers)");
      assertTrue(notFinal.isEmpty(), "accepted but not final (lost): "
          + notFinal.subList(0, Math.min(10, notFinal.size())) + cluster.logs());
      assertEquals(0, outcome.oversold(), "oversold units");
      assertTrue(outcome.mismatches().isEmpty(), "SKU reservations vs confirmed orders: " + outcome.mismatches());
      assertTrue(listings.isEmpty(), "sandbox listings vs the service: " + listings);
    }
  }

  /** When one node first saw {@code address} unreachable and when its incarnation {@code uid} left the members. */
  static final class MembershipWatch {
    final AtomicLong unreachable = new AtomicLong(-1);
    final AtomicLong removed = new AtomicLong(-1);
    private volatile boolean stopped;

    static MembershipWatch start(NetnsCluster cluster, int seenFrom, String address, long uid, long from) {
      MembershipWatch watch = new MembershipWatch();
      // /admin/cluster answers only once the shard statistics are in (up to 3 s while a node is unreachable):
      // requests overlap, one every 250 ms, each counted from when it was sent.
      Thread t = new Thread(() -> {
        while (!watch.stopped && watch.removed.get() < 0) {
          long sentAt = System.currentTimeMillis() - from;
          FaultCluster.adminJsonAsync(cluster.node(seenFrom).url("/admin/cluster"), Duration.ofSeconds(10))
              .thenAccept(view -> {
                JsonNode m = null;
                for (JsonNode member : view.path("members")) {
                  if (member.path("address").asText().equals(address)) m = member;
                }
                if (m != null && m.path("uid").asLong() == uid && !m.path("reachable").asBoolean()) {
                  watch.unreachable.accumulateAndGet(sentAt, (a, b) -> a < 0 ? b : Math.min(a, b));
                }
                if (m == null || m.path("uid").asLong() != uid) {
                  watch.removed.accumulateAndGet(sentAt, (a, b) -> a < 0 ? b : Math.min(a, b));
                }
              });
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "membership-watch");
      t.setDaemon(true);
      t.start();
      return watch;
    }

    double seconds(AtomicLong millis) {
      return millis.get() < 0 ? -1 : millis.get() / 1000.0;
    }

    void stop() {
      stopped = true;
    }
  }
}

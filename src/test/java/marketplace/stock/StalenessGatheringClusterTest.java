package marketplace.stock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import support.Await;
import support.TestConfig;

/**
 * Two cluster nodes in one JVM (two actor systems, Artery on 127.0.0.1), each recording pushes into its own
 * {@link StockStaleness}: the series gathered on one node counts both nodes' pushes (the other node's slots cross
 * Artery as CBOR, in more than one page), and a node whose reporter is gone, or does not answer, is named as missing
 * within the time bound while the other node's pushes are still drawn.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StalenessGatheringClusterTest {
  private static final Duration BOUND = Duration.ofSeconds(2); // orchestrator.stock-sync.staleness-chart.gather-timeout
  private static final Duration SLACK = Duration.ofSeconds(3); // a shared 2-core machine
  private static final int BUCKET = 600;
  private static final long FIRST = Math.floorDiv(Instant.now().getEpochSecond(), BUCKET) * BUCKET - BUCKET;

  private static ActorSystem<Void> a;
  private static ActorSystem<Void> b;
  private static ActorRef<String> bReporterHolder;
  private static String addressA;
  private static String addressB;

  private static Config config(int port) {
    return ConfigFactory.parseString("""
        akka.actor.provider = cluster
        akka.remote.artery.canonical.hostname = 127.0.0.1
        akka.remote.artery.canonical.port = %d
        akka.cluster.jmx.multi-mbeans-in-same-jvm = on
        """.formatted(port)).withFallback(TestConfig.postgres());
  }

  /** A parent that stops its reporter on any message: a node whose reporter is gone. */
  private static Behavior<String> reporterHolder() {
    return Behaviors.setup(ctx -> {
      ActorRef<StalenessReporter.GetSlots> reporter = ctx.spawn(StalenessReporter.create(), "reporter");
      return Behaviors.receiveMessage(stop -> {
        ctx.stop(reporter);
        return Behaviors.same();
      });
    });
  }

  @BeforeAll
  static void start() throws Exception {
    a = ActorSystem.create(Behaviors.empty(), "Orchestrator", config(infra.FreePorts.next()));
    b = ActorSystem.create(Behaviors.empty(), "Orchestrator", config(infra.FreePorts.next()));
    addressA = Cluster.get(a).selfMember().address().toString();
    addressB = Cluster.get(b).selfMember().address().toString();
    Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
    Cluster.get(b).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
    for (ActorSystem<Void> node : List.of(a, b)) {
      Await.await("two members up on " + node, Duration.ofSeconds(60), () -> upMembers(node) == 2);
    }
    StalenessReporter.init(a);
    bReporterHolder = b.systemActorOf(reporterHolder(), "reporter-holder", Props.empty());
    // Each node's receptionist learns of the registrations by itself (gossip), its own too: wait for both.
    for (ActorSystem<Void> node : List.of(a, b)) {
      Await.await("both reporters listed on " + node, Duration.ofSeconds(60), () -> reporters(node) == 2);
    }

    // Node A: two TikTok pushes in the window's first slot. Node B: two TikTok pushes in the same slot and one
    // Shopee push in each of 40 slots (41 slots: two pages).
    Instant slot0 = Instant.ofEpochSecond(FIRST + 5);
    StockStaleness.get(a).record(Channel.TIKTOK, Duration.ofMillis(100), slot0);
    StockStaleness.get(a).record(Channel.TIKTOK, Duration.ofMillis(300), slot0);
    StockStaleness.get(b).record(Channel.TIKTOK, Duration.ofMillis(50), slot0);
    StockStaleness.get(b).record(Channel.TIKTOK, Duration.ofMillis(700), slot0);
    for (int s = 0; s < 40; s++) {
      StockStaleness.get(b).record(Channel.SHOPEE, Duration.ofMillis(40 + s), Instant.ofEpochSecond(FIRST + s * 10L));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (ActorSystem<Void> node : new ActorSystem[] {b, a}) {
      if (node == null) continue;
      node.terminate();
      node.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static long upMembers(ActorSystem<?> node) {
    return java.util.stream.StreamSupport.stream(Cluster.get(node).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  private static Set<ActorRef<StalenessReporter.GetSlots>> listing(ActorSystem<?> node) {
    try {
      return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(node.receptionist(),
              reply -> Receptionist.find(StalenessReporter.KEY, reply), Duration.ofSeconds(10), node.scheduler())
          .toCompletableFuture().get(15, TimeUnit.SECONDS).getServiceInstances(StalenessReporter.KEY);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static int reporters(ActorSystem<?> node) {
    return listing(node).size();
  }

  private record Timed(StalenessGathering.ClusterStaleness answer, long millis) {}

  private static Timed gather(ActorSystem<?> node) throws Exception {
    long began = System.nanoTime();
    StalenessGathering.ClusterStaleness answer = new StalenessGathering(node).gather(FIRST, BUCKET, 1)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new Timed(answer, (System.nanoTime() - began) / 1_000_000);
  }

  private static StockStaleness.ChannelSeries channel(StalenessGathering.ClusterStaleness answer, Channel channel) {
    return answer.staleness().stream().filter(s -> s.channel().equals(channel.key())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + channel.key() + " in " + answer));
  }

  @Test
  @Order(1)
  void theSeriesGatheredOnEitherNodeCountsBothNodesPushes() throws Exception {
    for (ActorSystem<?> node : List.of(a, b)) {
      Timed timed = gather(node);
      StalenessGathering.ClusterStaleness answer = timed.answer();
      assertEquals(List.of(addressA, addressB).stream().sorted().toList(), answer.nodes(), answer.toString());
      assertEquals(List.of(), answer.missing());
      assertTrue(timed.millis() < BOUND.toMillis(), "done when both answered, not at the time bound: " + timed.millis());
      StockStaleness.ChannelSeries tiktok = channel(answer, Channel.TIKTOK);
      assertEquals(List.of(4L), tiktok.count(), "two pushes on each node");
      assertEquals(List.of(700.0), tiktok.maxMs(), "node B's largest");
      assertEquals(List.of(700.0), tiktok.p99Ms());
      StockStaleness.ChannelSeries shopee = channel(answer, Channel.SHOPEE);
      assertEquals(List.of(40L), shopee.count(), "both pages of node B's 41 slots");
      assertEquals(List.of(79.0), shopee.maxMs());
    }
  }

  @Test
  @Order(2)
  void slotsCrossNodesAsCbor() throws Exception {
    Serialization serialization = SerializationExtension.get(akka.actor.typed.javadsl.Adapter.toClassic(a));
    var page = new StalenessReporter.SlotsPage(addressB, 0, 1,
        List.of(new StalenessSlots.Slot(12, "tiktok", 3, 300, new long[] {100, 120, 300})));
    Serializer serializer = serialization.findSerializerFor(page);
    assertEquals(33, serializer.identifier(), "jackson-cbor");
    byte[] bytes = serialization.serialize(page).get();
    var back = (StalenessReporter.SlotsPage) serialization.deserialize(bytes, serializer.identifier(),
        Serializers.manifestFor(serializer, page)).get();
    assertEquals(addressB, back.node());
    assertEquals(300, back.slots().get(0).maxMs());
    assertArrayEquals(new long[] {100, 120, 300}, back.slots().get(0).samples());
    assertEquals(33, serialization.findSerializerFor(new StalenessReporter.GetSlots(1, 2, a.ignoreRef())).identifier());
    // A full page (every slot with 256 samples of the largest staleness kept, an hour) fits in one Artery frame.
    long[] full = new long[256];
    java.util.Arrays.fill(full, Duration.ofHours(1).toMillis());
    List<StalenessSlots.Slot> slots = new java.util.ArrayList<>();
    for (int i = 0; i < StalenessReporter.SLOTS_PER_PAGE; i++) {
      slots.add(new StalenessSlots.Slot(180_000_000L + i, "whatsapp", 1_000_000, full[0], full));
    }
    int size = serialization.serialize(new StalenessReporter.SlotsPage(addressB, 0, 1, slots)).get().length;
    long frame = a.settings().config().getBytes("akka.remote.artery.advanced.maximum-frame-size");
    assertTrue(size < frame / 2, "a full page is " + size + " bytes, the frame " + frame);
  }

  @Test
  @Order(3)
  void aNodeWhoseReporterIsGoneIsNamedMissingWithinTheBoundAndTheOtherStillCounts() throws Exception {
    bReporterHolder.tell("stop");
    Timed timed = gather(a); // the receptionist may still list the stopped reporter, or not any more: missing either way
    StalenessGathering.ClusterStaleness answer = timed.answer();
    assertEquals(List.of(addressA), answer.nodes(), answer.toString());
    assertEquals(List.of(addressB), answer.missing().stream().map(StalenessGathering.Missing::node).toList());
    assertTrue(timed.millis() < BOUND.plus(SLACK).toMillis(), "within the bound: " + timed.millis() + " ms");
    StockStaleness.ChannelSeries tiktok = channel(answer, Channel.TIKTOK);
    assertEquals(List.of(2L), tiktok.count(), "node A's pushes only");
    assertEquals(List.of(300.0), tiktok.maxMs());
    assertTrue(answer.staleness().stream().noneMatch(s -> s.channel().equals("shopee")), "node B's only: " + answer);

    Await.await("node B's stopped reporter gone from node A's listing", Duration.ofSeconds(60), () -> reporters(a) == 1);
    StalenessGathering.Missing missing = gather(a).answer().missing().get(0);
    assertEquals(new StalenessGathering.Missing(addressB, "no staleness reporter registered"), missing);
  }

  @Test
  @Order(4)
  void aNodeWhoseReporterDoesNotAnswerIsNamedMissingAtTheTimeBound() throws Exception {
    ActorRef<StalenessReporter.GetSlots> silent = b.systemActorOf(Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(StalenessReporter.KEY, ctx.getSelf()));
      return Behaviors.ignore();
    }), "silent-reporter", Props.empty());
    Await.await("node B's silent reporter listed on node A", Duration.ofSeconds(60),
        () -> listing(a).stream().map(r -> r.path().name()).collect(Collectors.toSet()).contains(silent.path().name()));
    Timed timed = gather(a);
    StalenessGathering.ClusterStaleness answer = timed.answer();
    assertEquals(List.of(addressA), answer.nodes(), answer.toString());
    assertEquals(List.of(new StalenessGathering.Missing(addressB, "no complete answer within 2000 ms")),
        answer.missing());
    assertTrue(timed.millis() >= BOUND.toMillis(), "waited for the silent node until the bound: " + timed.millis());
    assertTrue(timed.millis() < BOUND.plus(SLACK).toMillis(), "not longer: " + timed.millis() + " ms");
    assertEquals(List.of(2L), channel(answer, Channel.TIKTOK).count(), "node A's pushes still drawn");
  }
}

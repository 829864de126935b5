package marketplace.stock;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sale chart's staleness of the whole cluster: a short-lived actor per request finds every node's
 * {@link StalenessReporter} (Receptionist), asks each for its slots of the window, waits at most
 * {@code orchestrator.stock-sync.staleness-chart.gather-timeout} for their pages, and merges what arrived
 * ({@link StalenessSlots#series}). The answer names the nodes that answered and the cluster members that did not
 * (no reporter registered, or no complete answer in time): the chart draws the others. An admin read, not a hot path.
 */
public final class StalenessGathering {
  private static final Set<MemberStatus> SERVING = Set.of(MemberStatus.up(), MemberStatus.weaklyUp(),
      MemberStatus.leaving());
  private static final AtomicLong names = new AtomicLong();

  /** {@code nodes}: cluster addresses whose slots are in {@code staleness}; {@code missing}: the others. */
  public record ClusterStaleness(List<StockStaleness.ChannelSeries> staleness, List<String> nodes,
                                 List<Missing> missing) {}

  /** A node whose pushes are not in the series, and why. */
  public record Missing(String node, String reason) {}

  private final ActorSystem<?> system;
  private final Duration timeout;

  public StalenessGathering(ActorSystem<?> system) {
    this(system, system.settings().config().getDuration("orchestrator.stock-sync.staleness-chart.gather-timeout"));
  }

  public StalenessGathering(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** The window of {@link StockStaleness#series}, from every node that answers within the timeout. Never fails. */
  public CompletionStage<ClusterStaleness> gather(long firstBucket, int bucketSeconds, int buckets) {
    CompletableFuture<ClusterStaleness> answer = new CompletableFuture<>();
    long fromSlot = firstBucket / StalenessTimeline.SLOT_SECONDS;
    long toSlot = (firstBucket + (long) bucketSeconds * buckets) / StalenessTimeline.SLOT_SECONDS;
    Behavior<Command> gathering = Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(new TimedOut(), timeout);
      ctx.getSystem().receptionist().tell(Receptionist.find(StalenessReporter.KEY,
          ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
      return new Gathering(ctx, answer, fromSlot, toSlot, firstBucket, bucketSeconds, buckets).behavior();
    }));
    system.systemActorOf(gathering, "staleness-gathering-" + names.incrementAndGet(), Props.empty());
    return answer;
  }

  private interface Command {}

  private record Listed(Receptionist.Listing listing) implements Command {}

  private record Page(StalenessReporter.SlotsPage page) implements Command {}

  private record TimedOut() implements Command {}

  /** One request's state: who was asked, whose pages arrived. */
  private final class Gathering {
    private final ActorContext<Command> ctx;
    private final CompletableFuture<ClusterStaleness> answer;
    private final long fromSlot;
    private final long toSlot;
    private final long firstBucket;
    private final int bucketSeconds;
    private final int buckets;
    private final String self;
    private final Set<String> members = new TreeSet<>();
    private final Set<String> asked = new TreeSet<>();
    private final Map<String, List<StalenessSlots.Slot>> slots = new HashMap<>();
    private final Map<String, Integer> pagesSeen = new HashMap<>();
    private final Map<String, Integer> pagesExpected = new HashMap<>();
    private boolean listed;

    Gathering(ActorContext<Command> ctx, CompletableFuture<ClusterStaleness> answer, long fromSlot, long toSlot,
              long firstBucket, int bucketSeconds, int buckets) {
      this.ctx = ctx;
      this.answer = answer;
      this.fromSlot = fromSlot;
      this.toSlot = toSlot;
      this.firstBucket = firstBucket;
      this.bucketSeconds = bucketSeconds;
      this.buckets = buckets;
      Cluster cluster = Cluster.get(ctx.getSystem());
      this.self = cluster.selfMember().address().toString();
      cluster.state().getMembers().forEach(m -> {
        if (SERVING.contains(m.status())) members.add(m.address().toString());
      });
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Listed.class, this::onListed)
          .onMessage(Page.class, this::onPage)
          .onMessage(TimedOut.class, m -> finish())
          .build();
    }

    private Behavior<Command> onListed(Listed m) {
      listed = true;
      ActorRef<StalenessReporter.SlotsPage> replyTo = ctx.messageAdapter(StalenessReporter.SlotsPage.class, Page::new);
      for (ActorRef<StalenessReporter.GetSlots> reporter : m.listing().getServiceInstances(StalenessReporter.KEY)) {
        asked.add(nodeOf(reporter.path().address()));
        reporter.tell(new StalenessReporter.GetSlots(fromSlot, toSlot, replyTo));
      }
      return complete() ? finish() : Behaviors.same();
    }

    private Behavior<Command> onPage(Page m) {
      StalenessReporter.SlotsPage page = m.page();
      slots.computeIfAbsent(page.node(), n -> new ArrayList<>()).addAll(page.slots());
      pagesSeen.merge(page.node(), 1, Integer::sum);
      pagesExpected.put(page.node(), page.pages());
      return complete() ? finish() : Behaviors.same();
    }

    private boolean answered(String node) {
      Integer expected = pagesExpected.get(node);
      return expected != null && pagesSeen.getOrDefault(node, 0) >= expected;
    }

    private boolean complete() {
      return listed && asked.stream().allMatch(this::answered);
    }

    private Behavior<Command> finish() {
      List<String> nodes = new ArrayList<>();
      List<StalenessSlots.Slot> merged = new ArrayList<>();
      Map<String, String> missing = new TreeMap<>();
      Set<String> everyone = new TreeSet<>(members);
      everyone.addAll(asked);
      everyone.addAll(pagesExpected.keySet());
      for (String node : everyone) {
        if (answered(node)) {
          nodes.add(node);
          merged.addAll(slots.get(node));
        } else if (!listed) {
          missing.put(node, "the receptionist did not list the reporters within " + timeout.toMillis() + " ms");
        } else if (!asked.contains(node) && !pagesExpected.containsKey(node)) {
          missing.put(node, "no staleness reporter registered");
        } else {
          missing.put(node, "no complete answer within " + timeout.toMillis() + " ms"
              + (pagesExpected.containsKey(node)
                  ? " (" + pagesSeen.getOrDefault(node, 0) + " of " + pagesExpected.get(node) + " pages)" : ""));
        }
      }
      answer.complete(new ClusterStaleness(StalenessSlots.series(merged, firstBucket, bucketSeconds, buckets), nodes,
          missing.entrySet().stream().map(e -> new Missing(e.getKey(), e.getValue())).toList()));
      return Behaviors.stopped();
    }

    /** A reporter's node: its address, or this node's for a local reporter (whose path has no host). */
    private String nodeOf(Address address) {
      return address.hasGlobalScope() ? address.toString() : self;
    }
  }
}

package marketplace.stock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The stock values of one shop on their way to its marketplace, per listing: the value waiting, the one in flight
 * and the one acknowledged. It decides, the shop adapter acts (calls, timers, sync rows); nothing here touches the
 * network, the clock or a timer, so it is tested without either.
 *
 * <p>Latest value wins: per listing only the newest value (highest SKU event sequence number) waits; a value not
 * newer than the one seen is dropped. One call per group (a Shopee item or TikTok product) is in flight at a time;
 * what arrives meanwhile replaces the waiting value and leaves when the call returns. A group's calls start at least
 * {@link PushSettings#minPushInterval} apart, and after a failure the group backs off ({@link PushSettings#retryMin},
 * doubling up to {@link PushSettings#retryMax}). Groups ready to send take the rate limit's tokens in the order they
 * became ready.
 */
public final class StockPushQueue {

  /** A value sent in a call. {@code since}: the oldest live SKU write it covers not yet acknowledged (nullable). */
  public record Sent(String key, String target, int value, long seq, Instant since) {}

  /** One call to make: the group's values, in the order they were queued. */
  public record Call(String group, List<Sent> sent) {}

  /**
   * How a sent value ended, for its sync row.
   *
   * @param attempts the calls this value took (at least 1)
   * @param error null when acknowledged
   */
  public record Outcome(String key, String sku, int value, long seq, Instant since, int attempts, String error) {
    public boolean acknowledged() {
      return error == null;
    }
  }

  /** What came of a call: every sent value's outcome, and the back-off to wait before the group's retry (or null). */
  public record Finished(List<Outcome> outcomes, Duration retryIn) {}

  /** What to do for a group that may be able to send. */
  public sealed interface Step {}

  /** Nothing now: the group is in flight, backing off, spacing, or has nothing waiting. */
  public enum Nothing implements Step { INSTANCE }

  /** The group is ready: start calls ({@link #nextCall}) while the rate limit and the cap allow. */
  public enum Drain implements Step { INSTANCE }

  /** The group's last call was too recent: call {@link #spacingPassed} after {@code delay}. */
  public record Space(String group, Duration delay) implements Step {}

  private record Pending(int value, long seq, Instant since) {}

  /** One SKU listing on this shop. {@code group} and {@code target} are those of the listing last pushed. */
  private static final class ListingSync {
    String sku;
    String group;
    String target;
    long seenSeq = -1;
    Pending pending;
    Sent inFlight;
    int attempts;
  }

  private final PushSettings settings;
  private final int maxCallsInFlight;
  private final Map<String, ListingSync> listings = new HashMap<>();
  /** Group → listing keys with a value waiting. */
  private final Map<String, Set<String>> waitingByGroup = new HashMap<>();
  private final Set<String> groupsInFlight = new HashSet<>();
  /** Groups waiting for their retry timer, and the back-off the next failure will use. */
  private final Set<String> groupsBackingOff = new HashSet<>();
  private final Map<String, Duration> nextBackoff = new HashMap<>();
  /** When each group's last call started (min-push-interval), and groups waiting for that interval to pass. */
  private final Map<String, Long> lastSentNanos = new HashMap<>();
  private final Set<String> groupsSpacing = new HashSet<>();
  /**
   * Groups whose values may leave now, in the order they became ready: they take the stock API's rate-limit tokens
   * in that order. A call starts only when a token is free at once, so no value is committed to a call that then
   * waits in the limiter: until its turn the value can still be replaced by a newer one.
   */
  private final Set<String> readyGroups = new LinkedHashSet<>();
  private int callsInFlight;
  private boolean slotTimerSet;

  /** @param maxCallsInFlight stock calls in flight at once; more wait here, where newer values can replace theirs */
  public StockPushQueue(PushSettings settings, int maxCallsInFlight) {
    this.settings = settings;
    this.maxCallsInFlight = maxCallsInFlight;
  }

  /**
   * Takes note of a value for a listing; false when it is not newer than the last one seen ({@code force} lets the
   * same sequence number through again), and then it must be dropped.
   *
   * @param group the listing's call, null when its ids cannot be sent
   * @param target the listing's id within the group (null without a group)
   */
  public boolean see(String key, String sku, long seq, boolean force, String group, String target) {
    ListingSync sync = listings.computeIfAbsent(key, k -> new ListingSync());
    if (seq < sync.seenSeq || (seq == sync.seenSeq && !force)) return false;
    sync.sku = sku;
    sync.group = group;
    sync.target = target;
    sync.seenSeq = seq;
    return true;
  }

  /** The calls made for a listing's current value so far (0 before its first). */
  public int attempts(String key) {
    ListingSync sync = listings.get(key);
    return sync == null ? 0 : sync.attempts;
  }

  /**
   * Queues a value {@link #see seen} for a listing with a group, replacing the one waiting (it keeps the older live
   * write's time).
   *
   * @param since when the live SKU write happened, null for a push not caused by one
   */
  public Step offer(String key, int value, long seq, Instant since, long nowNanos) {
    ListingSync sync = listings.get(key);
    if (sync.pending != null) since = earliest(sync.pending.since(), since);
    sync.pending = new Pending(value, seq, since);
    waitingByGroup.computeIfAbsent(sync.group, g -> new LinkedHashSet<>()).add(key);
    return sendIfIdle(sync.group, nowNanos);
  }

  /** True when a push for this listing is waiting or in flight, or a value newer than {@code seq} was seen. */
  public boolean busyOrNewer(String key, long seq) {
    ListingSync sync = listings.get(key);
    return sync != null && (sync.pending != null || sync.inFlight != null || sync.seenSeq > seq);
  }

  /** Readies the group unless one of its calls is in flight, it is backing off or spacing, or nothing waits. */
  private Step sendIfIdle(String group, long nowNanos) {
    if (groupsInFlight.contains(group) || groupsBackingOff.contains(group) || groupsSpacing.contains(group)) {
      return Nothing.INSTANCE;
    }
    Set<String> waiting = waitingByGroup.get(group);
    if (waiting == null || waiting.isEmpty()) return Nothing.INSTANCE;
    Long last = lastSentNanos.get(group);
    long wait = last == null ? 0 : settings.minPushInterval().toNanos() - (nowNanos - last);
    if (wait > 0) {
      groupsSpacing.add(group);
      return new Space(group, Duration.ofNanos(wait));
    }
    readyGroups.add(group);
    return Drain.INSTANCE;
  }

  /** True when a ready group could start its call now, rate limit permitting (below the cap of calls in flight). */
  public boolean canStart() {
    return !readyGroups.isEmpty() && callsInFlight < maxCallsInFlight;
  }

  /**
   * The rate limit has no token now: true when the actor must start the timer that calls {@link #slotFree} (one
   * such timer at a time).
   */
  public boolean needsSlotTimer() {
    if (slotTimerSet) return false;
    slotTimerSet = true;
    return true;
  }

  /** The rate limit's timer fired: drain again. */
  public void slotFree() {
    slotTimerSet = false;
  }

  /**
   * The oldest ready group's call, its waiting values now in flight; empty when none of them is left (a listing that
   * moved to another group meanwhile waits there). Call only when {@link #canStart}.
   */
  public Optional<Call> nextCall(long nowNanos) {
    Iterator<String> next = readyGroups.iterator();
    String group = next.next();
    next.remove();
    Set<String> keys = waitingByGroup.remove(group);
    if (keys == null) return Optional.empty();
    List<Sent> sent = new ArrayList<>();
    for (String key : keys) {
      ListingSync sync = listings.get(key);
      if (sync == null || sync.pending == null) continue;
      if (!group.equals(sync.group)) { // the listing moved to another item/product meanwhile
        waitingByGroup.computeIfAbsent(sync.group, g -> new LinkedHashSet<>()).add(key);
        continue;
      }
      Sent s = new Sent(key, sync.target, sync.pending.value(), sync.pending.seq(), sync.pending.since());
      sync.pending = null;
      sync.inFlight = s;
      sync.attempts++;
      sent.add(s);
    }
    if (sent.isEmpty()) return Optional.empty();
    groupsInFlight.add(group);
    callsInFlight++;
    lastSentNanos.put(group, nowNanos);
    return Optional.of(new Call(group, List.copyOf(sent)));
  }

  /**
   * A group's call ended. A failed value is queued again unless a newer value already waits (that one replaces it,
   * and inherits its oldest write); after any failure the group backs off, else it may send again at once
   * ({@link #retryPassed} or {@link #afterCall}).
   *
   * @param failed listing key to the marketplace's reason, for the values it refused
   * @param error not null when the whole call failed
   */
  public Finished finished(Call call, Map<String, String> failed, String error) {
    String group = call.group();
    groupsInFlight.remove(group);
    callsInFlight--;
    List<Outcome> outcomes = new ArrayList<>();
    boolean anyFailed = false;
    for (Sent s : call.sent()) {
      ListingSync sync = listings.get(s.key());
      if (sync == null) continue;
      sync.inFlight = null;
      String why = error != null ? error : failed.get(s.key());
      outcomes.add(new Outcome(s.key(), sync.sku, s.value(), s.seq(), s.since(), Math.max(1, sync.attempts), why));
      if (why == null) {
        sync.attempts = 0;
      } else {
        anyFailed = true;
        sync.pending = sync.pending == null ? new Pending(s.value(), s.seq(), s.since())
            : new Pending(sync.pending.value(), sync.pending.seq(), earliest(sync.pending.since(), s.since()));
        waitingByGroup.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(s.key());
      }
    }
    if (!anyFailed) {
      nextBackoff.remove(group);
      return new Finished(outcomes, null);
    }
    Duration delay = nextBackoff.getOrDefault(group, settings.retryMin());
    nextBackoff.put(group, min(delay.multipliedBy(2), settings.retryMax()));
    groupsBackingOff.add(group);
    return new Finished(outcomes, delay);
  }

  /** After a call that did not fail: the group may send what arrived meanwhile. */
  public Step afterCall(String group, long nowNanos) {
    return sendIfIdle(group, nowNanos);
  }

  /** The group's back-off is over. */
  public Step retryPassed(String group, long nowNanos) {
    groupsBackingOff.remove(group);
    return sendIfIdle(group, nowNanos);
  }

  /** The group's min-push-interval is over. */
  public Step spacingPassed(String group, long nowNanos) {
    groupsSpacing.remove(group);
    return sendIfIdle(group, nowNanos);
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) return b;
    if (b == null) return a;
    return a.isBefore(b) ? a : b;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}

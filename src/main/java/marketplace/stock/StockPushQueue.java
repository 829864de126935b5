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
 *
 * <p>A failed value is handled as its {@link Handling} says (the shop adapter maps each error class onto one):
 * retried at most {@link PushSettings#maxRetries} times, then marked failed and left to the next change or
 * reconciliation; blocked (not sent again until a newer value, a listing change or a forced push); or the whole shop
 * paused (nothing sent until {@link #resume}, the value kept, the pause not counted as a retry).
 */
public final class StockPushQueue {

  /** A value sent in a call. {@code since}: the oldest live SKU write it covers not yet acknowledged (nullable). */
  public record Sent(String key, String target, int value, long seq, Instant since) {}

  /** What the queue does with a value the marketplace refused. */
  public enum Handling {
    /** Back off (retry-min doubling to retry-max) and send again, at most max-retries times; then give up. */
    RETRY,
    /** Do not send this value again: wait for a newer value, a listing change or a forced push. */
    BLOCK,
    /** The shop takes no calls now: hold every value until {@link #resume}; not counted as a retry. */
    PAUSE
  }

  /**
   * Why a value (or a whole call) failed.
   *
   * @param failureClass the error class's name, for the sync row (nullable)
   */
  public record Failure(String reason, Handling handling, String failureClass) {
    /** A failure without a class: retried, bounded. */
    public static Failure retry(String reason) {
      return new Failure(reason, Handling.RETRY, null);
    }
  }

  /** How a failed value was left, for its sync row. */
  public enum Left {
    /** Sent again after the group's back-off. */
    RETRYING,
    /** max-retries reached: not sent again until the next change or reconciliation. */
    FAILED,
    /** Not sent again until a newer value, a listing change or a forced push. */
    BLOCKED,
    /** Waits, with the shop's other values, until the shop's pause ends. */
    PAUSED
  }

  /** One call to make: the group's values, in the order they were queued. */
  public record Call(String group, List<Sent> sent) {}

  /**
   * How a sent value ended, for its sync row.
   *
   * @param attempts the calls this value took (at least 1)
   * @param error null when acknowledged
   * @param failureClass the error class's name (null when acknowledged or unclassified)
   * @param left what happens next to a failed value (null when acknowledged)
   */
  public record Outcome(String key, String sku, int value, long seq, Instant since, int attempts, String error,
                        String failureClass, Left left) {
    public Outcome(String key, String sku, int value, long seq, Instant since, int attempts, String error) {
      this(key, sku, value, seq, since, attempts, error, null, error == null ? null : Left.RETRYING);
    }

    public boolean acknowledged() {
      return error == null;
    }
  }

  /**
   * What came of a call: every sent value's outcome, the back-off to wait before the group's retry (or null), and
   * whether the call paused the shop (then nothing leaves until {@link #resume}).
   */
  public record Finished(List<Outcome> outcomes, Duration retryIn, boolean paused) {
    public Finished(List<Outcome> outcomes, Duration retryIn) {
      this(outcomes, retryIn, false);
    }
  }

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
    /** The value last sent was refused for good: nothing is sent until a newer value or a forced push. */
    boolean blocked;
  }

  private final PushSettings settings;
  private final int maxCallsInFlight;
  private final Map<String, ListingSync> listings = new HashMap<>();
  /** Group → listing keys with a value waiting (in the order the groups began to wait: a resume keeps it). */
  private final Map<String, Set<String>> waitingByGroup = new java.util.LinkedHashMap<>();
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
  /** The shop takes no calls (daily cap, not authorised): nothing starts until {@link #resume}. */
  private boolean paused;

  /** @param maxCallsInFlight stock calls in flight at once; more wait here, where newer values can replace theirs */
  public StockPushQueue(PushSettings settings, int maxCallsInFlight) {
    this.settings = settings;
    this.maxCallsInFlight = maxCallsInFlight;
  }

  /**
   * Takes note of a value for a listing; false when it is not newer than the last one seen ({@code force} lets the
   * same sequence number through again, and so does a blocked listing whose ids changed), and then it must be
   * dropped. A value let through unblocks the listing.
   *
   * @param group the listing's call, null when its ids cannot be sent
   * @param target the listing's id within the group (null without a group)
   */
  public boolean see(String key, String sku, long seq, boolean force, String group, String target) {
    ListingSync sync = listings.computeIfAbsent(key, k -> new ListingSync());
    boolean listingChanged = sync.blocked
        && (!java.util.Objects.equals(group, sync.group) || !java.util.Objects.equals(target, sync.target));
    if (seq < sync.seenSeq || (seq == sync.seenSeq && !force && !listingChanged)) return false;
    sync.blocked = false;
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

  /** True when the listing's value was refused for good and waits for a change or a forced push. */
  public boolean blocked(String key) {
    ListingSync sync = listings.get(key);
    return sync != null && sync.blocked;
  }

  /** True while the shop is paused. */
  public boolean paused() {
    return paused;
  }

  /**
   * The shop's pause is over: every group with values waiting may send again (the latest value of each listing).
   * Act on each step as on {@link #offer}'s.
   */
  public List<Step> resume(long nowNanos) {
    paused = false;
    List<Step> steps = new ArrayList<>();
    for (String group : List.copyOf(waitingByGroup.keySet())) steps.add(sendIfIdle(group, nowNanos));
    if (!readyGroups.isEmpty()) steps.add(Drain.INSTANCE);
    return steps;
  }

  /** True when a value for this listing waits or is in flight. */
  public boolean waitingOrInFlight(String key) {
    ListingSync sync = listings.get(key);
    return sync != null && (sync.pending != null || sync.inFlight != null);
  }

  /** True when a push for this listing is waiting or in flight, or a value newer than {@code seq} was seen. */
  public boolean busyOrNewer(String key, long seq) {
    ListingSync sync = listings.get(key);
    return sync != null && (sync.pending != null || sync.inFlight != null || sync.seenSeq > seq);
  }

  /** Readies the group unless one of its calls is in flight, it is backing off or spacing, or nothing waits. */
  private Step sendIfIdle(String group, long nowNanos) {
    if (paused) return Nothing.INSTANCE;
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
    return !paused && !readyGroups.isEmpty() && callsInFlight < maxCallsInFlight;
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
   * A group's call ended. Each failed value is handled as its {@link Failure#handling} says: RETRY queues it again
   * (unless a newer value already waits: that one replaces it and inherits its oldest write) and backs the group off,
   * until {@link PushSettings#maxRetries} retries, then gives it up; BLOCK keeps it from being sent again; PAUSE holds
   * it, and every other value of the shop, until {@link #resume}. Without a retry the group may send again at once
   * ({@link #afterCall}), else after its back-off ({@link #retryPassed}).
   *
   * @param failed listing key to why the marketplace refused it
   * @param error not null when the whole call failed
   */
  public Finished finished(Call call, Map<String, Failure> failed, Failure error) {
    String group = call.group();
    groupsInFlight.remove(group);
    callsInFlight--;
    List<Outcome> outcomes = new ArrayList<>();
    boolean anyRetry = false;
    boolean pausedNow = false;
    for (Sent s : call.sent()) {
      ListingSync sync = listings.get(s.key());
      if (sync == null) continue;
      sync.inFlight = null;
      Failure why = error != null ? error : failed.get(s.key());
      int attempts = Math.max(1, sync.attempts);
      if (why == null) {
        sync.attempts = 0;
        outcomes.add(new Outcome(s.key(), sync.sku, s.value(), s.seq(), s.since(), attempts, null, null, null));
        continue;
      }
      Left left;
      switch (why.handling()) {
        case PAUSE -> {
          pausedNow = true;
          sync.attempts = Math.max(0, sync.attempts - 1); // a paused call was not a try of this value
          requeue(group, sync, s);
          left = Left.PAUSED;
        }
        case BLOCK -> {
          sync.attempts = 0;
          sync.blocked = sync.pending == null; // a newer value waiting is a change: it goes out once
          left = Left.BLOCKED;
        }
        default -> {
          if (sync.attempts > settings.maxRetries()) {
            sync.attempts = 0; // the next change starts a fresh count
            left = Left.FAILED;
          } else {
            anyRetry = true;
            requeue(group, sync, s);
            left = Left.RETRYING;
          }
        }
      }
      outcomes.add(new Outcome(s.key(), sync.sku, s.value(), s.seq(), s.since(), attempts, why.reason(),
          why.failureClass(), left));
    }
    if (pausedNow) {
      paused = true;
      return new Finished(outcomes, null, true);
    }
    if (!anyRetry) {
      if (outcomes.stream().allMatch(Outcome::acknowledged)) nextBackoff.remove(group);
      return new Finished(outcomes, null);
    }
    Duration delay = nextBackoff.getOrDefault(group, settings.retryMin());
    nextBackoff.put(group, min(delay.multipliedBy(2), settings.retryMax()));
    groupsBackingOff.add(group);
    return new Finished(outcomes, delay);
  }

  /** Queues a sent value again, unless a newer one waits (which inherits its oldest write). */
  private void requeue(String group, ListingSync sync, Sent s) {
    sync.pending = sync.pending == null ? new Pending(s.value(), s.seq(), s.since())
        : new Pending(sync.pending.value(), sync.pending.seq(), earliest(sync.pending.since(), s.since()));
    waitingByGroup.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(s.key());
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

package sku;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntConsumer;
import sku.SkuState.Finished;
import sku.SkuState.Outcome;

/**
 * The most recent finished order keys of one SKU (released, expired, committed or returned), each with its outcome,
 * quantity and the minute it finished; the oldest are forgotten past {@code kept} keys and once older than
 * {@code keptFor} (by the events' own times, so a replay forgets exactly the same): what lets a late duplicate
 * Reserve, Commit or Return be answered as the first one was. A duplicate comes from a message still in flight or an
 * order resending after its recovery (minutes); the time bound keeps a SKU that sells for months from holding
 * {@code kept} keys forever.
 *
 * <p>A key is held as a 64-bit hash, not as its String: at most about 60 bytes per key (ring 20 and index 12, in
 * power-of-two arrays, the index at most 3/4 full) instead of about 170 (String, map entry, record). In the
 * 100,000-order soak every order leaves one, and by key they were the node's only memory growing with the sale. Two
 * distinct keys of one SKU with the same hash would make the second look finished: with 50,000 keys kept, about 1 in
 * 4 x 10^8 per million new orders.
 *
 * <p>A ring keeps insertion order (for forgetting the oldest); an open-addressing index maps a hash to its newest
 * ring slot. A key finished again (committed, then returned) is appended anew and its old slot becomes stale.
 */
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
final class FinishedKeys {
  private static final long EMPTY = 0;
  private static final int MIN_RING = 16;
  /** The finishing minute of a key read from a snapshot written before minutes were kept: set at the next put. */
  private static final int UNKNOWN = Integer.MIN_VALUE;

  /** How many keys, and for how long, a SKU remembers ({@code finished-keys-kept}, {@code finished-keys-for}). */
  record Bound(int kept, Duration keptFor) {
    static final Bound UNBOUNDED = new Bound(Integer.MAX_VALUE, ChronoUnit.FOREVER.getDuration());

    int keptForMinutes() {
      return (int) Math.min(Integer.MAX_VALUE / 2, keptFor.toMinutes());
    }
  }

  private long[] ringHash = new long[MIN_RING];
  private long[] ringPayload = new long[MIN_RING];
  private int[] ringMinute = new int[MIN_RING];
  private boolean unknownMinutes;
  private int head; // oldest slot
  private int used; // slots from head, live or stale

  private long[] indexHash = new long[32];
  private int[] indexSlot = new int[32];
  private int size; // live keys

  FinishedKeys() {}

  /** From a snapshot: the live keys' hashes, payloads and minutes, oldest first. */
  @JsonCreator
  FinishedKeys(@JsonProperty("hashes") long[] hashes, @JsonProperty("payloads") long[] payloads,
               @JsonProperty("minutes") int[] minutes) {
    if (hashes == null || payloads == null || hashes.length != payloads.length
        || (minutes != null && minutes.length != hashes.length)) {
      throw new IllegalArgumentException("finished keys: hashes, payloads and minutes must pair up");
    }
    for (int i = 0; i < hashes.length; i++) {
      append(hashes[i], payloads[i], minutes == null ? UNKNOWN : minutes[i], Bound.UNBOUNDED);
    }
  }

  /** From a snapshot written before keys were hashed: the keys themselves, oldest first, their minutes unknown. */
  static FinishedKeys of(Map<String, Finished> byKey) {
    FinishedKeys keys = new FinishedKeys();
    byKey.forEach((key, finished) -> keys.append(hash(key), payload(finished), UNKNOWN, Bound.UNBOUNDED));
    return keys;
  }

  int size() {
    return size;
  }

  Finished get(String orderKey) {
    int at = find(hash(orderKey));
    if (indexHash[at] == EMPTY) return null;
    long payload = ringPayload[indexSlot[at]];
    return new Finished(Outcome.values()[(int) (payload & 0xff)], (int) (payload >> 8));
  }

  /**
   * Remembers {@code orderKey} as the newest, finished at {@code at}; then forgets the oldest until at most
   * {@code bound.kept} are left and none finished more than {@code bound.keptFor} before {@code at}.
   */
  void put(String orderKey, Finished finished, Instant at, Bound bound) {
    int minute = (int) Math.floorDiv(at.getEpochSecond(), 60);
    if (unknownMinutes) { // keys of an old snapshot: kept for keptFor from the first event after the upgrade
      for (int i = 0; i < ringMinute.length; i++) if (ringMinute[i] == UNKNOWN) ringMinute[i] = minute;
      unknownMinutes = false;
    }
    append(hash(orderKey), payload(finished), minute, bound);
  }

  private static long payload(Finished finished) {
    return ((long) finished.quantity() << 8) | finished.outcome().ordinal();
  }

  @JsonProperty("hashes")
  long[] hashes() {
    long[] out = new long[size];
    int[] n = {0};
    forEachLive(slot -> out[n[0]++] = ringHash[slot]);
    return out;
  }

  @JsonProperty("payloads")
  long[] payloads() {
    long[] out = new long[size];
    int[] n = {0};
    forEachLive(slot -> out[n[0]++] = ringPayload[slot]);
    return out;
  }

  @JsonProperty("minutes")
  int[] minutes() {
    int[] out = new int[size];
    int[] n = {0};
    forEachLive(slot -> out[n[0]++] = ringMinute[slot]);
    return out;
  }

  /** The ring slots of the live keys, oldest first. */
  private void forEachLive(IntConsumer action) {
    for (int i = 0; i < used; i++) {
      int slot = (head + i) & (ringHash.length - 1);
      if (isLive(slot)) action.accept(slot);
    }
  }

  FinishedKeys copy() {
    FinishedKeys c = new FinishedKeys();
    c.ringHash = ringHash.clone();
    c.ringPayload = ringPayload.clone();
    c.ringMinute = ringMinute.clone();
    c.unknownMinutes = unknownMinutes;
    c.head = head;
    c.used = used;
    c.indexHash = indexHash.clone();
    c.indexSlot = indexSlot.clone();
    c.size = size;
    return c;
  }

  /** The same live keys with the same outcomes in the same order (stale slots and capacities aside). */
  @Override
  public boolean equals(Object o) {
    return o instanceof FinishedKeys f && Arrays.equals(hashes(), f.hashes()) && Arrays.equals(payloads(), f.payloads())
        && Arrays.equals(minutes(), f.minutes());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hashes());
  }

  private void append(long hash, long payload, int minute, Bound bound) {
    if (minute == UNKNOWN) unknownMinutes = true;
    if (used == ringHash.length) makeRoom();
    int slot = (head + used) & (ringHash.length - 1);
    ringHash[slot] = hash;
    ringPayload[slot] = payload;
    ringMinute[slot] = minute;
    used++;
    int at = find(hash);
    if (indexHash[at] == EMPTY) {
      indexHash[at] = hash;
      size++;
      if (size * 4 > indexHash.length * 3) growIndex();
      at = find(hash);
    }
    indexSlot[at] = slot;
    while (size > bound.kept()) forgetOldest();
    if (minute != UNKNOWN) {
      long oldestKept = (long) minute - bound.keptForMinutes();
      while (size > 0 && oldestMinute() < oldestKept) forgetOldest();
    }
    while (used > 0 && !isLive(head)) dropHead(); // a stale oldest slot holds nothing
  }

  /** The minute of the oldest live key (unknown minutes count as recent: they are set at the next put). */
  private int oldestMinute() {
    while (!isLive(head)) dropHead();
    return ringMinute[head] == UNKNOWN ? Integer.MAX_VALUE : ringMinute[head];
  }

  private void forgetOldest() {
    while (!isLive(head)) dropHead();
    remove(find(ringHash[head]));
    dropHead();
  }

  private void dropHead() {
    head = (head + 1) & (ringHash.length - 1);
    used--;
  }

  private boolean isLive(int slot) {
    int at = find(ringHash[slot]);
    return indexHash[at] != EMPTY && indexSlot[at] == slot;
  }

  /** A full ring: dropped stale slots if that frees a quarter of it, else twice the size; the index re-pointed. */
  private void makeRoom() {
    int capacity = size * 4 <= ringHash.length * 3 ? ringHash.length : ringHash.length * 2;
    long[] hashes = new long[capacity];
    long[] payloads = new long[capacity];
    int[] minutes = new int[capacity];
    int n = 0;
    for (int i = 0; i < used; i++) {
      int slot = (head + i) & (ringHash.length - 1);
      if (!isLive(slot)) continue;
      hashes[n] = ringHash[slot];
      payloads[n] = ringPayload[slot];
      minutes[n] = ringMinute[slot];
      indexSlot[find(ringHash[slot])] = n;
      n++;
    }
    ringHash = hashes;
    ringPayload = payloads;
    ringMinute = minutes;
    head = 0;
    used = n;
  }

  private void growIndex() {
    long[] oldHash = indexHash;
    int[] oldSlot = indexSlot;
    indexHash = new long[oldHash.length * 2];
    indexSlot = new int[oldHash.length * 2];
    for (int i = 0; i < oldHash.length; i++) {
      if (oldHash[i] == EMPTY) continue;
      int at = find(oldHash[i]);
      indexHash[at] = oldHash[i];
      indexSlot[at] = oldSlot[i];
    }
  }

  /** The index position of {@code hash}, or the empty position where it would go (linear probing). */
  private int find(long hash) {
    int mask = indexHash.length - 1;
    int at = (int) (hash ^ (hash >>> 32)) & mask;
    while (indexHash[at] != EMPTY && indexHash[at] != hash) at = (at + 1) & mask;
    return at;
  }

  /** Deletes the entry at {@code at}, shifting back the entries after it that probed past it. */
  private void remove(int at) {
    int mask = indexHash.length - 1;
    int gap = at;
    for (int next = (gap + 1) & mask; indexHash[next] != EMPTY; next = (next + 1) & mask) {
      int home = (int) (indexHash[next] ^ (indexHash[next] >>> 32)) & mask;
      // move next into the gap if its home is not cyclically within (gap, next]
      if (((next - home) & mask) >= ((next - gap) & mask)) {
        indexHash[gap] = indexHash[next];
        indexSlot[gap] = indexSlot[next];
        gap = next;
      }
    }
    indexHash[gap] = EMPTY;
    size--;
  }

  /** FNV-1a over the key's chars, then a 64-bit finalizer (never 0: 0 marks an empty index position). */
  static long hash(String key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == EMPTY ? 1 : h;
  }
}

package marketplace;

import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What happened to outbound calls, per shop and call kind: counts, attempts and the last success and error. Shown by
 * the admin API so an operator sees a failing shop before orders go missing.
 */
public final class CallOutcomes {

  /**
   * @param calls logical calls finished (successes + failures)
   * @param attempts HTTP attempts made, retries included
   * @param lastAttempts attempts the most recent call took
   * @param responses attempts sent, by what came back: HTTP status ("200", "429", "503"), the marketplace's error
   *     code when the envelope says failure ("error_server", "36009003", "131056"), or timeout, connect, network,
   *     parse when no usable answer came
   * @param paused calls failed unsent because the shop was paused (among {@code failures}); null when none
   */
  public record Outcome(Channel channel, String shopId, String kind, long calls, long successes, long failures,
      long attempts, long retries, int lastAttempts, Instant lastSuccessAt, Instant lastErrorAt, String lastError,
      Map<String, Long> responses,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      Long paused) {
    public Outcome(Channel channel, String shopId, String kind, long calls, long successes, long failures,
        long attempts, long retries, int lastAttempts, Instant lastSuccessAt, Instant lastErrorAt, String lastError,
        Map<String, Long> responses) {
      this(channel, shopId, kind, calls, successes, failures, attempts, retries, lastAttempts, lastSuccessAt,
          lastErrorAt, lastError, responses, null);
    }
  }

  private record Key(Channel channel, String shopId, String kind) {}

  private record ShopKey(Channel channel, String shopId) {}

  private static final class Counter {
    long successes, failures, attempts, retries, paused;
    int lastAttempts;
    Instant lastSuccessAt, lastErrorAt;
    String lastError;
    final Map<String, Long> responses = new TreeMap<>();
  }

  private final ConcurrentHashMap<Key, Counter> counters = new ConcurrentHashMap<>();
  /** Each shop's guard on this node, so the admin API can show and lift its pause without knowing the clients. */
  private final ConcurrentHashMap<ShopKey, ShopGuard> guards = new ConcurrentHashMap<>();

  void register(Channel channel, String shopId, ShopGuard guard) {
    guards.put(new ShopKey(channel, shopId), guard);
  }

  /** The shop's pause on this node, if its calls are held back now. */
  public java.util.Optional<ShopGuard.Pause> pause(Channel channel, String shopId) {
    ShopGuard guard = guards.get(new ShopKey(channel, shopId));
    return guard == null ? java.util.Optional.empty() : guard.pause();
  }

  /** True unless this node's guard of the shop is known and not paused (then a held stock queue may go again). */
  public boolean pausedOrUnknown(Channel channel, String shopId) {
    ShopGuard guard = guards.get(new ShopKey(channel, shopId));
    return guard == null || guard.pause().isPresent();
  }

  /** Lifts the shop's pause on this node; true when it was paused. */
  public boolean resume(Channel channel, String shopId) {
    ShopGuard guard = guards.get(new ShopKey(channel, shopId));
    return guard != null && guard.resume();
  }

  void paused(Channel channel, String shopId, String kind, int attempts, String error) {
    Counter c = counter(channel, shopId, kind);
    synchronized (c) {
      c.paused++;
    }
    failure(channel, shopId, kind, attempts, error);
  }

  private Counter counter(Channel channel, String shopId, String kind) {
    return counters.computeIfAbsent(new Key(channel, shopId, kind), k -> new Counter());
  }

  void attempt(Channel channel, String shopId, String kind, boolean retry) {
    Counter c = counter(channel, shopId, kind);
    synchronized (c) {
      c.attempts++;
      if (retry) c.retries++;
    }
  }

  void response(Channel channel, String shopId, String kind, String code) {
    Counter c = counter(channel, shopId, kind);
    synchronized (c) {
      c.responses.merge(code, 1L, Long::sum);
    }
  }

  void success(Channel channel, String shopId, String kind, int attempts) {
    Counter c = counter(channel, shopId, kind);
    synchronized (c) {
      c.successes++;
      c.lastAttempts = attempts;
      c.lastSuccessAt = Instant.now();
    }
  }

  void failure(Channel channel, String shopId, String kind, int attempts, String error) {
    Counter c = counter(channel, shopId, kind);
    synchronized (c) {
      c.failures++;
      c.lastAttempts = attempts;
      c.lastErrorAt = Instant.now();
      c.lastError = error;
    }
  }

  /** Every shop and call kind seen so far, sorted by channel, shop and kind. */
  public List<Outcome> snapshot() {
    List<Outcome> all = new ArrayList<>();
    counters.forEach((k, c) -> {
      synchronized (c) {
        all.add(new Outcome(k.channel(), k.shopId(), k.kind(), c.successes + c.failures, c.successes, c.failures,
            c.attempts, c.retries, c.lastAttempts, c.lastSuccessAt, c.lastErrorAt, c.lastError,
            Collections.unmodifiableMap(new TreeMap<>(c.responses)), c.paused == 0 ? null : c.paused));
      }
    });
    all.sort(Comparator.comparing(Outcome::channel).thenComparing(Outcome::shopId).thenComparing(Outcome::kind));
    return all;
  }

  public Outcome get(Channel channel, String shopId, String kind) {
    return snapshot().stream()
        .filter(o -> o.channel() == channel && o.shopId().equals(shopId) && o.kind().equals(kind))
        .findFirst()
        .orElse(new Outcome(channel, shopId, kind, 0, 0, 0, 0, 0, 0, null, null, null, Map.of()));
  }

  /** Attempts of one shop and call kind that came back with {@code code} (0 when none did). */
  public long responses(Channel channel, String shopId, String kind, String code) {
    Counter c = counters.get(new Key(channel, shopId, kind));
    if (c == null) return 0;
    synchronized (c) {
      return c.responses.getOrDefault(code, 0L);
    }
  }
}

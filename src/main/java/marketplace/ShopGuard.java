package marketplace;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.pattern.CircuitBreaker;
import akka.pattern.CircuitBreakerOpenException;
import akka.pattern.Patterns;
import common.Channel;
import common.Futures;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Resilience around one shop's outbound calls: a token-bucket rate limit, a circuit breaker, and bounded retries with
 * exponential back-off and jitter. Every attempt is counted in {@link CallOutcomes}.
 *
 * <p>The breaker counts attempts that fail for the platform's own health (5xx, timeouts, network errors); rate
 * limits are answered by back-off, and a business error (bad parameter, undeliverable) says nothing about health.
 *
 * <p>A failure of class {@link FailureClass#PAUSE_UNTIL_RESET} (a daily call cap) pauses every call of the shop until
 * its {@code pausedUntil}, one of class {@link FailureClass#PAUSE_SHOP} (not authorised) until {@link #resume}: calls
 * meanwhile fail at once with code {@code shop_paused}, never sent, so they cost the platform's success rate nothing.
 */
public final class ShopGuard {

  /**
   * The classified result of one HTTP attempt. {@code code} is what the platform answered: the marketplace's error
   * code when its envelope says failure (Shopee {@code error}, TikTok {@code code}, WhatsApp {@code error.code}),
   * else {@code http_NNN}; ours for failures without an answer (timeout, connect, network, parse).
   */
  public sealed interface Attempt<T> {
    /** @param code the HTTP status ("200"), or the envelope's error code of a partial success */
    record Ok<T>(T value, String code) implements Attempt<T> {}

    /** Worth retrying. {@code unhealthy} counts toward the breaker; {@code minDelay} (nullable) lengthens the wait. */
    record Retry<T>(String code, String message, boolean unhealthy, Duration minDelay) implements Attempt<T> {}

    /**
     * Not worth retrying now. {@code failureClass} says what the caller should do; {@code pausedUntil} (nullable) is
     * when a {@link FailureClass#PAUSE_UNTIL_RESET} ends.
     */
    record Fail<T>(String code, String message, FailureClass failureClass, java.time.Instant pausedUntil)
        implements Attempt<T> {
      public Fail(String code, String message) {
        this(code, message, FailureClass.UNKNOWN, null);
      }

      public Fail(String code, String message, FailureClass failureClass) {
        this(code, message, failureClass, null);
      }
    }
  }

  /**
   * Why and until when the shop's calls are held back.
   *
   * @param until null for {@link FailureClass#PAUSE_SHOP} (until an operator resumes or the shop is authorised again)
   */
  public record Pause(FailureClass failureClass, String code, String reason, java.time.Instant since,
                      java.time.Instant until) {}

  /** Shopee's daily call cap resets at 00:00 UTC+8 (MARKETPLACES.md "Rate limits and API health"). */
  public static final java.time.ZoneOffset DAILY_RESET_ZONE = java.time.ZoneOffset.ofHours(8);

  /** The next 00:00 in {@code zone} after {@code now}: the end of a daily-cap pause without a time of its own. */
  public static java.time.Instant nextDailyReset(java.time.Instant now, java.time.ZoneOffset zone) {
    return now.atOffset(zone).toLocalDate().plusDays(1).atStartOfDay().toInstant(zone);
  }

  private final ActorSystem<?> system;
  private final Channel channel;
  private final String shopId;
  private final MarketplaceConfig.ClientSettings settings;
  /** Call kind → its rate limit: one bucket per API, or one shared by every kind ({@link #perApi}, {@link #shared}). */
  private final Function<String, TokenBucket> limiters;
  private final CircuitBreaker breaker;
  private final CallOutcomes outcomes;
  private final java.time.Clock clock;
  /** A new call is refused (retryable) rather than queued when its rate limit is already booked this far ahead. */
  private final Duration maxQueueWait;
  private final java.util.concurrent.atomic.AtomicReference<Pause> pause =
      new java.util.concurrent.atomic.AtomicReference<>();

  public ShopGuard(ActorSystem<?> system, Channel channel, String shopId, MarketplaceConfig.ClientSettings settings,
      Function<String, TokenBucket> limiters, CallOutcomes outcomes) {
    this(system, channel, shopId, settings, limiters, outcomes, java.time.Clock.systemUTC());
  }

  /** @param clock when pauses end (tests move it) */
  public ShopGuard(ActorSystem<?> system, Channel channel, String shopId, MarketplaceConfig.ClientSettings settings,
      Function<String, TokenBucket> limiters, CallOutcomes outcomes, java.time.Clock clock) {
    this.clock = clock;
    this.system = system;
    this.channel = channel;
    this.shopId = shopId;
    this.settings = settings;
    this.limiters = limiters;
    this.outcomes = outcomes;
    this.breaker = CircuitBreaker.create(Adapter.toClassic(system).scheduler(), settings.breakerMaxFailures(),
        settings.breakerCallTimeout(), settings.breakerResetTimeout());
    var config = system.settings().config();
    this.maxQueueWait = config.hasPath(MAX_QUEUE_WAIT) ? config.getDuration(MAX_QUEUE_WAIT) : Duration.ofSeconds(60);
    outcomes.register(channel, shopId, this);
  }

  static final String MAX_QUEUE_WAIT = "orchestrator.marketplaces.max-queue-wait";
  /** The code of a call refused before it was sent, the rate limit being booked beyond max-queue-wait. */
  public static final String QUEUE_FULL = "rate_limit_queue_full";

  /** The pause in force now, if any (a daily-cap pause whose time has passed is over). */
  public Optional<Pause> pause() {
    Pause p = pause.get();
    if (p != null && p.until() != null && !clock.instant().isBefore(p.until())) {
      pause.compareAndSet(p, null); // never clears a newer pause set meanwhile
      return Optional.empty();
    }
    return Optional.ofNullable(p);
  }

  /** Lifts a pause (an operator's resume, a new authorisation): true when there was one. */
  public boolean resume() {
    boolean was = pause().isPresent();
    pause.set(null);
    return was;
  }

  private void pauseFor(Attempt.Fail<?> fail) {
    java.time.Instant now = clock.instant();
    java.time.Instant until = null;
    if (fail.failureClass() == FailureClass.PAUSE_UNTIL_RESET) {
      until = fail.pausedUntil() != null ? fail.pausedUntil() : nextDailyReset(now, DAILY_RESET_ZONE);
    }
    pause.set(new Pause(fail.failureClass(), fail.code(), fail.message(), now, until));
  }

  /**
   * A separate bucket per API (call kind), each at {@code ratePerSecond}: TikTok documents its limit per API, app and
   * shop, so detail fetches never wait behind a queue of stock pushes. Shopee publishes no per-shop figure in our
   * contract; the same model is assumed there (UNSURE, the rate is configurable).
   */
  public static Function<String, TokenBucket> perApi(ActorSystem<?> system, double ratePerSecond, int burst) {
    Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    return kind -> buckets.computeIfAbsent(kind, k -> new TokenBucket(system, ratePerSecond, burst));
  }

  /** One bucket for every call kind (WhatsApp's throughput limit is per phone number, whatever is sent). */
  public static Function<String, TokenBucket> shared(TokenBucket bucket) {
    return kind -> bucket;
  }

  /** How long a call of {@code kind} starting now would wait for its rate limit (nothing is reserved). */
  public Duration untilFree(String kind) {
    return limiters.apply(kind).untilFree();
  }

  public String breakerState() {
    return breaker.isOpen() ? "open" : breaker.isHalfOpen() ? "half-open" : "closed";
  }

  public <T> CompletionStage<T> call(String kind, Supplier<CompletionStage<Attempt<T>>> attempt) {
    return call(kind, () -> Duration.ZERO, attempt);
  }

  /** @param gate how long to wait before the next attempt (e.g. a recipient under back-off); checked every attempt */
  public <T> CompletionStage<T> call(String kind, Supplier<Duration> gate, Supplier<CompletionStage<Attempt<T>>> attempt) {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop(kind, 1, gate, attempt, result);
    return result;
  }

  private <T> void loop(String kind, int n, Supplier<Duration> gate, Supplier<CompletionStage<Attempt<T>>> attempt,
      CompletableFuture<T> result) {
    if (failIfPaused(kind, n, result)) return;
    if (n == 1 && failIfQueueFull(kind, result)) return;
    delay(gate.get())
        .thenCompose(v -> limiters.apply(kind).acquire())
        .thenCompose(v -> {
          // a pause that began while this call waited for its token or back-off: not sent either
          Optional<Pause> paused = pause();
          if (paused.isPresent()) throw new Paused(paused.get());
          if (breaker.isOpen()) throw new CircuitBreakerOpenException(
              scala.concurrent.duration.Duration.Zero(), "circuit breaker open");
          // counted inside the breaker: a half-open breaker turns away all but its trial call, and those never left
          return breaker.callWithCircuitBreakerCS(() -> {
            outcomes.attempt(channel, shopId, kind, n > 1);
            return safely(attempt);
          }, ShopGuard::countsAsFailure);
        })
        .whenComplete((outcome, error) -> {
          try {
            settle(kind, n, gate, attempt, result, outcome, error);
          } catch (RuntimeException | Error bug) {
            result.completeExceptionally(bug);
          }
        });
  }

  private <T> void settle(String kind, int n, Supplier<Duration> gate, Supplier<CompletionStage<Attempt<T>>> attempt,
      CompletableFuture<T> result, Attempt<T> outcome, Throwable error) {
    {
          if (error != null && Futures.unwrap(error) instanceof Paused p) {
            failPaused(kind, n - 1, p.pause, result);
            return;
          }
          Attempt<T> classified = error != null ? classify(Futures.unwrap(error)) : outcome;
          countResponse(kind, classified);
          if (classified instanceof Attempt.Fail<T> fail && (fail.failureClass() == FailureClass.PAUSE_UNTIL_RESET
              || fail.failureClass() == FailureClass.PAUSE_SHOP)) {
            pauseFor(fail);
          }
          if (classified instanceof Attempt.Ok<T> ok) {
            outcomes.success(channel, shopId, kind, n);
            result.complete(ok.value());
          } else if (classified instanceof Attempt.Retry<T> retry && n < settings.maxAttempts()) {
            Duration wait = backoff(n);
            if (retry.minDelay() != null && retry.minDelay().compareTo(wait) > 0) wait = retry.minDelay();
            delay(wait).thenRun(() -> loop(kind, n + 1, gate, attempt, result));
          } else {
            String code;
            String message;
            FailureClass failureClass;
            java.time.Instant pausedUntil = null;
            if (classified instanceof Attempt.Retry<T> retry) {
              code = retry.code();
              message = retry.message();
              failureClass = FailureClass.RETRY;
            } else {
              Attempt.Fail<T> fail = (Attempt.Fail<T>) classified;
              code = fail.code();
              message = fail.message();
              failureClass = code.equals("circuit_open") ? FailureClass.RETRY : fail.failureClass();
              pausedUntil = fail.pausedUntil();
              if (failureClass == FailureClass.PAUSE_UNTIL_RESET && pausedUntil == null) {
                pausedUntil = pause().map(Pause::until).orElse(null);
              }
            }
            int attempts = code.equals("circuit_open") ? n - 1 : n;
            outcomes.failure(channel, shopId, kind, attempts, code + (message == null ? "" : ": " + message));
            result.completeExceptionally(new MarketCallException(channel, shopId, kind, code, message, attempts,
                failureClass, pausedUntil, error == null ? null : Futures.unwrap(error)));
          }
    }
  }

  /**
   * Memory bounded by configuration, not by the sale: calls beyond what the rate limit serves within
   * {@code max-queue-wait} are not held here (each held call is a few futures and a scheduled task; the soak found
   * 60,000 marketplace cancellations waiting) but refused as retryable, and their sender asks again later (an
   * order's saga backs off up to its retry-max).
   */
  private <T> boolean failIfQueueFull(String kind, CompletableFuture<T> result) {
    Duration wait = limiters.apply(kind).untilFree();
    if (wait.compareTo(maxQueueWait) <= 0) return false;
    result.completeExceptionally(new MarketCallException(channel, shopId, kind, QUEUE_FULL,
        kind + " calls already wait " + wait.toSeconds() + " s for the shop's rate limit; asked again later", 0,
        true, null));
    return true;
  }

  /** Fails the call without sending it when the shop is paused; true when it did. */
  private <T> boolean failIfPaused(String kind, int n, CompletableFuture<T> result) {
    Optional<Pause> paused = pause();
    if (paused.isEmpty()) return false;
    failPaused(kind, n - 1, paused.get(), result);
    return true;
  }

  /** Counted as a failed call with no attempt (CallOutcomes' {@code paused}), never as a response. */
  private <T> void failPaused(String kind, int attemptsSent, Pause p, CompletableFuture<T> result) {
    String message = "shop paused by " + p.code() + (p.until() == null ? " until resumed" : " until " + p.until());
    outcomes.paused(channel, shopId, kind, attemptsSent, "shop_paused: " + message);
    result.completeExceptionally(new MarketCallException(channel, shopId, kind, "shop_paused", message, attemptsSent,
        p.failureClass(), p.until(), null));
  }

  /** Thrown inside the attempt chain when a pause began meanwhile. */
  private static final class Paused extends RuntimeException {
    final Pause pause;

    Paused(Pause pause) {
      super("shop paused", null, false, false);
      this.pause = pause;
    }
  }

  /** Every attempt that was sent, by what came back (an attempt the open breaker stopped was never sent). */
  private <T> void countResponse(String kind, Attempt<T> classified) {
    String code = classified instanceof Attempt.Ok<T> ok ? ok.code()
        : classified instanceof Attempt.Retry<T> retry ? retry.code() : ((Attempt.Fail<T>) classified).code();
    if (code.equals("circuit_open")) return;
    outcomes.response(channel, shopId, kind, code.startsWith("http_") ? code.substring("http_".length()) : code);
  }

  private static <T> CompletionStage<Attempt<T>> safely(Supplier<CompletionStage<Attempt<T>>> attempt) {
    try {
      return attempt.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static <T> Boolean countsAsFailure(Optional<Attempt<T>> outcome, Optional<Throwable> error) {
    if (error.isPresent()) return !(Futures.unwrap(error.get()) instanceof MarketParseException);
    return outcome.map(a -> a instanceof Attempt.Retry<T> r && r.unhealthy()).orElse(false);
  }

  private static <T> Attempt<T> classify(Throwable error) {
    if (error instanceof CircuitBreakerOpenException) return new Attempt.Fail<>("circuit_open", "circuit breaker open");
    if (error instanceof TimeoutException) return new Attempt.Retry<>("timeout", error.getMessage(), true, null);
    if (error instanceof MarketParseException) return new Attempt.Fail<>("parse", error.getMessage());
    if (connectFailed(error)) {
      return new Attempt.Retry<>("connect", error.getClass().getSimpleName() + ": " + error.getMessage(), true, null);
    }
    if (error instanceof java.io.IOException || error instanceof akka.stream.StreamTcpException
        || error.getClass().getName().startsWith("akka.")) {
      return new Attempt.Retry<>("network", error.getClass().getSimpleName() + ": " + error.getMessage(), true, null);
    }
    return new Attempt.Fail<>("error", error.getClass().getSimpleName() + ": " + error.getMessage());
  }

  /**
   * No connection to the platform: Akka HTTP fails the request with a StreamTcpException "Tcp command
   * [Connect(...)] failed" caused by a java.net.ConnectException (refused, connect timeout).
   */
  private static boolean connectFailed(Throwable error) {
    if (error instanceof akka.stream.StreamTcpException && String.valueOf(error.getMessage()).startsWith(
        "Tcp command [Connect(")) {
      return true;
    }
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException) return true;
      if (e.getCause() == e) break;
    }
    return false;
  }

  /** min-backoff * 2^(n-1), capped at max-backoff, then scaled by a random factor in [1 - jitter, 1]. */
  Duration backoff(int attemptsSoFar) {
    long base = settings.minBackoff().toMillis() << Math.min(20, attemptsSoFar - 1);
    long capped = Math.min(base, settings.maxBackoff().toMillis());
    double factor = 1.0 - settings.jitter() * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.max(1, (long) (capped * factor)));
  }

  /** Note: Patterns.after never completes with a null value, hence Done. */
  private CompletionStage<Done> delay(Duration d) {
    if (d == null || d.isZero() || d.isNegative()) return CompletableFuture.completedFuture(Done.getInstance());
    return Patterns.after(d, Adapter.toClassic(system).scheduler(), system.executionContext(),
        () -> CompletableFuture.completedFuture(Done.getInstance()));
  }
}

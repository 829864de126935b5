package marketplace;

import infra.Metrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The marketplaces' meters in the node's registry: outbound calls, attempts, retries and responses per channel, shop
 * and call kind (from {@link CallOutcomes}), and each shop's circuit breaker. New shops and call kinds appear while
 * the node runs, so the meters are brought up to date before every scrape.
 */
public final class MarketplaceMetrics {
  private final MeterRegistry registry;
  private final MarketplaceApis marketplaces;
  /** Call outcome keys already registered as meters (new shops and call kinds appear while the node runs). */
  private final Set<String> outcomeMeters = ConcurrentHashMap.newKeySet();

  private MarketplaceMetrics(MeterRegistry registry, MarketplaceApis marketplaces) {
    this.registry = registry;
    this.marketplaces = marketplaces;
  }

  /** Registers the marketplaces' meters with {@code metrics}, brought up to date at every scrape. */
  public static void register(Metrics metrics, MarketplaceApis marketplaces) {
    MarketplaceMetrics meters = new MarketplaceMetrics(metrics.registry(), marketplaces);
    metrics.beforeScrape(meters::bind);
  }

  private void bind() {
    CallOutcomes outcomes = marketplaces.outcomes();
    for (CallOutcomes.Outcome o : outcomes.snapshot()) {
      for (String code : o.responses().keySet()) {
        String codeKey = o.channel() + "|" + o.shopId() + "|" + o.kind() + "|code=" + code;
        if (outcomeMeters.add(codeKey)) response(outcomes, o, code);
      }
      String key = o.channel() + "|" + o.shopId() + "|" + o.kind();
      if (!outcomeMeters.add(key)) continue;
      outcome(outcomes, o, "success", CallOutcomes.Outcome::successes, "orchestrator_outbound_calls");
      outcome(outcomes, o, "failure", CallOutcomes.Outcome::failures, "orchestrator_outbound_calls");
      outcome(outcomes, o, null, CallOutcomes.Outcome::attempts, "orchestrator_outbound_attempts");
      outcome(outcomes, o, null, CallOutcomes.Outcome::retries, "orchestrator_outbound_retries");
    }
    for (ShopBreaker b : marketplaces.breakers()) breaker(b.channel().key(), b.shopId(), b.state());
  }

  private void outcome(CallOutcomes outcomes, CallOutcomes.Outcome o, String result,
                       ToDoubleFunction<CallOutcomes.Outcome> value, String name) {
    var builder = FunctionCounter.builder(name, outcomes,
            all -> value.applyAsDouble(all.get(o.channel(), o.shopId(), o.kind())))
        .tag("channel", o.channel().key()).tag("shop", o.shopId()).tag("kind", o.kind());
    if (result != null) builder.tag("result", result);
    builder.register(registry);
  }

  private void response(CallOutcomes outcomes, CallOutcomes.Outcome o, String code) {
    FunctionCounter.builder("orchestrator_outbound_responses", outcomes,
            all -> all.responses(o.channel(), o.shopId(), o.kind(), code))
        .description("outbound attempts sent, by what came back: HTTP status, the marketplace's error code when its "
            + "envelope says failure, or timeout/connect/network/parse")
        .tag("channel", o.channel().key()).tag("shop", o.shopId()).tag("kind", o.kind()).tag("code", code)
        .register(registry);
  }

  /** 0 closed, 1 half-open, 2 open. */
  private void breaker(String channel, String shop, Supplier<String> state) {
    Gauge.builder("orchestrator_circuit_breaker_state", state, s -> switch (s.get()) {
          case "open" -> 2;
          case "half-open" -> 1;
          default -> 0;
        })
        .description("marketplace circuit breaker per shop: 0 closed, 1 half-open, 2 open")
        // the supplier lambda is referenced by nothing else: a weak reference would read NaN after the next GC
        .strongReference(true)
        .tag("channel", channel).tag("shop", shop).register(registry);
  }
}

package support;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import tools.sandbox.Sandbox;

/** A local actor system with the in-process marketplace sandbox on a free port, and fast client settings. */
public final class SandboxFixture implements AutoCloseable {
  public final ActorTestKit testKit;
  public final Sandbox sandbox;
  public final MarketplaceConfig config;

  public SandboxFixture() {
    Config config = ConfigFactory.parseString("""
        akka.actor.provider = local
        orchestrator.sandbox.port = 0
        """).withFallback(AppConfig.load());
    testKit = ActorTestKit.create("market", config);
    sandbox = Sandbox.start(testKit.system(), config);
    MarketplaceConfig base = MarketplaceConfig.fromConfig(config).withSandboxBaseUrl(sandbox.baseUrl());
    this.config = base.withClient(base.client()
        .withRequestTimeout(Duration.ofMillis(1500))
        .withRetry(5, Duration.ofMillis(20), Duration.ofMillis(200))
        .withBreaker(50, Duration.ofSeconds(1)));
  }

  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The exception a stage failed with (fails the test when it succeeded). */
  public static <E extends Throwable> E failure(CompletionStage<?> stage, Class<E> type) {
    try {
      Object value = stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected failure " + type.getSimpleName() + " but got " + value);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
      if (!type.isInstance(cause)) throw new AssertionError("expected " + type.getSimpleName() + " but got " + cause, cause);
      return type.cast(cause);
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    sandbox.close();
    testKit.shutdownTestKit();
  }
}

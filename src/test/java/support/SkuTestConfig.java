package support;

import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** The SKU entity's configuration for EventSourcedBehaviorTestKit runs (in-memory journal, serialization checks on). */
public final class SkuTestConfig {
  public static final Config CONFIG = ConfigFactory.load(EventSourcedBehaviorTestKit.config()
      .withFallback(ConfigFactory.parseString("orchestrator.sku.read-journal = \"akka.persistence.testkit.query\""))
      .withFallback(ConfigFactory.parseResources("serialization.conf"))
      .withFallback(ConfigFactory.parseResources("sku.conf")));

  private SkuTestConfig() {}
}

package support;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import http.admin.AdminTokens;
import infra.AppConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Node configurations for tests: free ports, and either the real test PostgreSQL or an H2 file in a temp dir. */
public final class TestConfig {
  /** Admin tokens every test node accepts (only their hashes are configured, as in production). */
  public static final String OPERATOR_NAME = "test-operator";
  public static final String OPERATOR_TOKEN = "operator-token-for-tests-only-7f3a";
  public static final String VIEWER_NAME = "test-viewer";
  public static final String VIEWER_TOKEN = "viewer-token-for-tests-only-91c2";

  /** The {@code orchestrator.admin.tokens} value holding both test tokens' hashes. */
  public static final String ADMIN_TOKENS = OPERATOR_NAME + ":operator:" + AdminTokens.hash(OPERATOR_TOKEN) + ","
      + VIEWER_NAME + ":viewer:" + AdminTokens.hash(VIEWER_TOKEN);

  /** The shop token key of every test node (a cluster's nodes share one); a test value, never a real secret. */
  public static final String TOKEN_KEY = "dGVzdC1rZXktZm9yLXRoZS1vcmNoZXN0cmF0b3ItMDE=";

  private TestConfig() {}

  public static Config postgres() {
    return postgres(Map.of());
  }

  public static Config postgres(Map<String, Object> overrides) {
    return postgres(overrides, "");
  }

  /** {@code hocon} may use substitutions resolved against the whole configuration. */
  public static Config postgres(Map<String, Object> overrides, String hocon) {
    Map<String, Object> settings = base();
    settings.put("orchestrator.db.profile", "postgres");
    settings.put("orchestrator.db.postgres.url", TestDatabase.URL);
    settings.put("orchestrator.db.postgres.user", TestDatabase.USER);
    settings.put("orchestrator.db.postgres.password", TestDatabase.PASSWORD);
    settings.putAll(overrides);
    return AppConfig.load(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseMap(settings)));
  }

  public static Config h2(Path dataDir) {
    Map<String, Object> settings = base();
    settings.put("orchestrator.db.profile", "h2");
    settings.put("orchestrator.data-dir", dataDir.toAbsolutePath().toString());
    return AppConfig.load(ConfigFactory.parseMap(settings));
  }

  private static Map<String, Object> base() {
    Map<String, Object> settings = new HashMap<>();
    settings.put("akka.remote.artery.canonical.port", 0);
    settings.put("orchestrator.http.port", 0);
    settings.put("akka.management.http.port", freePort());
    settings.put("orchestrator.cluster.seed-nodes", "");
    settings.put("orchestrator.cluster.bootstrap", false);
    settings.put("akka.coordinated-shutdown.exit-jvm", "off");
    settings.put("orchestrator.admin.tokens", ADMIN_TOKENS);
    settings.put("orchestrator.shops.token-key", TOKEN_KEY);
    // Most stock-sync tests are about the push pipeline with today's absolute values; share tests set shares.
    settings.put("orchestrator.stock-sync.strategy", "absolute");
    settings.put("orchestrator.orders.out-of-stock-grace", "0s");
    // Buyer messages only where a test is about them (they need the sandbox's WhatsApp to answer).
    settings.put("orchestrator.notifications.enabled", false);
    return settings;
  }

  /** A port no one listens on yet: see {@link infra.FreePorts}. */
  public static int freePort() {
    return infra.FreePorts.next();
  }
}

package support;

import app.Node;
import com.typesafe.config.Config;
import java.util.HashMap;
import java.util.Map;
import tools.sandbox.Sandbox;

/**
 * A whole node wired to the in-process marketplace sandbox: the node's shops point at the sandbox, the Shopee
 * callback URL is the node's real webhook URL, and client retries are fast so fault tests stay short.
 */
public final class MarketNode implements AutoCloseable {
  public final Node node;
  public final Sandbox sandbox;
  public final Config config;
  public final int httpPort;

  private MarketNode(Node node, Sandbox sandbox, Config config, int httpPort) {
    this.node = node;
    this.sandbox = sandbox;
    this.config = config;
    this.httpPort = httpPort;
  }

  public static MarketNode start(Map<String, Object> overrides) {
    return start(overrides, null);
  }

  /** @param postgresUrl a JDBC URL of another PostgreSQL (fault tests), or null for the shared test database */
  public static MarketNode start(Map<String, Object> overrides, String postgresUrl) {
    return start(overrides, postgresUrl, "");
  }

  /** @param hocon settings with substitutions (e.g. a second shop built from the default one), applied over all */
  public static MarketNode start(Map<String, Object> overrides, String postgresUrl, String hocon) {
    int httpPort = TestConfig.freePort();
    int sandboxPort = TestConfig.freePort();
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.http.port", httpPort);
    settings.put("orchestrator.sandbox.port", sandboxPort);
    settings.put("orchestrator.marketplaces.shopee.default-shop.callback-url",
        "http://127.0.0.1:" + httpPort + "/webhooks/shopee");
    settings.put("orchestrator.marketplaces.retry.min-backoff", "20ms");
    settings.put("orchestrator.marketplaces.retry.max-backoff", "200ms");
    settings.put("orchestrator.marketplaces.http.request-timeout", "2s");
    settings.put("orchestrator.marketplaces.circuit-breaker.reset-timeout", "1s");
    settings.put("orchestrator.marketplaces.polling.lost-push-interval", "500ms");
    settings.put("orchestrator.marketplaces.polling.reconcile-interval", "1h");
    settings.put("orchestrator.orders.retry-min", "200ms");
    settings.put("orchestrator.orders.retry-max", "1s");
    if (postgresUrl != null) settings.put("orchestrator.db.postgres.url", postgresUrl);
    settings.putAll(overrides);
    Config config = TestConfig.postgres(settings, hocon);
    Node node = Node.start(config);
    Sandbox sandbox = Sandbox.start(node.system(), config);
    return new MarketNode(node, sandbox, config, httpPort);
  }

  /**
   * Stops this node and its sandbox, then starts a new node on the same database, ports and configuration with a
   * fresh sandbox (what the old sandbox recorded is gone: read it before).
   */
  public MarketNode restart() {
    close();
    Node next = Node.start(config);
    Sandbox nextSandbox = Sandbox.start(next.system(), config);
    return new MarketNode(next, nextSandbox, config, httpPort);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + httpPort + path;
  }

  @Override
  public void close() {
    sandbox.close();
    node.close();
  }
}

package infra;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads application.conf (and its per-concern includes) with the chosen database profile wired in:
 * {@code orchestrator.db.active} points at {@code orchestrator.db.h2} or {@code orchestrator.db.postgres}, and the
 * comma-separated {@code orchestrator.cluster.seed-nodes} becomes Akka's seed-node list, the bootstrap endpoints
 * config discovery's contact points, and {@code orchestrator.cluster.discovery} picks how the cluster forms.
 */
public final class AppConfig {
  public static final String SYSTEM_NAME = "Orchestrator";
  private static final Set<String> PROFILES = Set.of("h2", "postgres");
  /** orchestrator.cluster.discovery (ORCH_DISCOVERY): seed nodes, or Cluster Bootstrap with one discovery method. */
  private static final Set<String> DISCOVERIES = Set.of("seed-nodes", "config", "kubernetes-api");

  private AppConfig() {}

  public static Config load() {
    return load(ConfigFactory.empty());
  }

  /** @param overrides settings that win over application.conf (tests, sub-commands). */
  public static Config load(Config overrides) {
    Config unresolved = overrides.withFallback(ConfigFactory.defaultApplication());
    Config plain = ConfigFactory.load(unresolved);
    String profile = plain.getString("orchestrator.db.profile");
    if (!PROFILES.contains(profile)) {
      throw new IllegalArgumentException(
          "orchestrator.db.profile (ORCH_DB_PROFILE) must be one of " + PROFILES + ", not '" + profile + "'");
    }
    Config wiring = ConfigFactory.parseString("orchestrator.db.active = ${orchestrator.db." + profile + "}");
    List<String> seeds = Arrays.stream(plain.getString("orchestrator.cluster.seed-nodes").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (!seeds.isEmpty()) {
      wiring = wiring.withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    }
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (String endpoint : plain.getString("orchestrator.cluster.bootstrap-endpoints").split(",")) {
      if (endpoint.isBlank()) continue;
      String[] hostPort = endpoint.trim().split(":");
      if (hostPort.length != 2 || !hostPort[1].matches("[0-9]{1,5}")) {
        throw new IllegalArgumentException("orchestrator.cluster.bootstrap-endpoints (ORCH_BOOTSTRAP_ENDPOINTS): '"
            + endpoint.trim() + "' is not host:port");
      }
      endpoints.add(Map.of("host", hostPort[0], "port", Integer.parseInt(hostPort[1])));
    }
    if (!endpoints.isEmpty()) {
      String service = plain.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name");
      wiring = wiring.withValue("akka.discovery.config.services." + service + ".endpoints",
          ConfigValueFactory.fromIterable(endpoints));
    }
    wiring = discovery(plain, seeds, endpoints, wiring);
    return ConfigFactory.load(wiring.withFallback(unresolved));
  }

  /**
   * ORCH_DISCOVERY as one switch: "config" and "kubernetes-api" turn Cluster Bootstrap on with that discovery
   * method, "seed-nodes" turns it off. A combination that could never form the intended cluster is refused here,
   * at start, rather than left to a node that waits forever.
   */
  private static Config discovery(Config plain, List<String> seeds, List<Map<String, Object>> endpoints,
      Config wiring) {
    String discovery = plain.getString("orchestrator.cluster.discovery").trim();
    if (discovery.isEmpty()) return wiring;
    if (!DISCOVERIES.contains(discovery)) {
      throw new IllegalArgumentException("orchestrator.cluster.discovery (ORCH_DISCOVERY) must be one of "
          + DISCOVERIES + ", not '" + discovery + "'");
    }
    if (discovery.equals("seed-nodes")) {
      return wiring.withValue("orchestrator.cluster.bootstrap", ConfigValueFactory.fromAnyRef(false));
    }
    if (!seeds.isEmpty()) {
      throw new IllegalArgumentException("ORCH_DISCOVERY=" + discovery + " forms the cluster with Cluster Bootstrap: "
          + "leave ORCH_SEED_NODES empty (or use ORCH_DISCOVERY=seed-nodes)");
    }
    if (discovery.equals("config") && endpoints.isEmpty()) {
      throw new IllegalArgumentException("ORCH_DISCOVERY=config needs ORCH_BOOTSTRAP_ENDPOINTS "
          + "(the management host:port of every node, comma-separated)");
    }
    return wiring.withValue("orchestrator.cluster.bootstrap", ConfigValueFactory.fromAnyRef(true))
        .withValue("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method",
            ConfigValueFactory.fromAnyRef(discovery));
  }
}

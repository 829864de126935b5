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
 * comma-separated {@code orchestrator.cluster.seed-nodes} becomes Akka's seed-node list.
 */
public final class AppConfig {
  public static final String SYSTEM_NAME = "Orchestrator";
  private static final Set<String> PROFILES = Set.of("h2", "postgres");

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
      String[] hostPort = endpoint.trim().split(":");
      if (hostPort.length == 2) endpoints.add(Map.of("host", hostPort[0], "port", Integer.parseInt(hostPort[1])));
    }
    if (!endpoints.isEmpty()) {
      String service = plain.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name");
      wiring = wiring.withValue("akka.discovery.config.services." + service + ".endpoints",
          ConfigValueFactory.fromIterable(endpoints));
    }
    return ConfigFactory.load(wiring.withFallback(unresolved));
  }
}

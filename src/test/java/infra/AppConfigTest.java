package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppConfigTest {

  @Test
  void embeddedDefaultIsH2UnderTheDataDir() {
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of("orchestrator.data-dir", "/tmp/x")));
    assertEquals("h2", config.getString("orchestrator.db.profile"));
    assertEquals("jdbc:h2:file:/tmp/x/orchestrator;DB_CLOSE_DELAY=-1",
        config.getString("akka-persistence-jdbc.shared-databases.default.db.url"));
    assertEquals("slick.jdbc.H2Profile$", config.getString("akka-persistence-jdbc.shared-databases.default.profile"));
    assertEquals("h2-dialect", config.getString("akka.projection.jdbc.dialect"));
    assertEquals("read-journal", config.getString("jdbc-read-journal.use-shared-db"));
    assertEquals("jdbc:h2:file:/tmp/x/orchestrator;DB_CLOSE_DELAY=-1",
        config.getString("akka-persistence-jdbc.shared-databases.read-journal.db.url"));
    assertTrue(config.getConfig("akka-persistence-jdbc.shared-databases.read-journal.db.properties").isEmpty(),
        "H2 refuses connection settings it does not know");
    assertEquals(8080, config.getInt("orchestrator.http.port"));
    assertEquals(8558, config.getInt("akka.management.http.port"));
  }

  @Test
  void postgresProfileWiresJournalAndProjections() {
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.db.profile", "postgres", "orchestrator.db.postgres.url", "jdbc:postgresql://db:5432/x")));
    assertEquals("jdbc:postgresql://db:5432/x", config.getString("akka-persistence-jdbc.shared-databases.default.db.url"));
    assertEquals("slick.jdbc.PostgresProfile$",
        config.getString("akka-persistence-jdbc.shared-databases.default.profile"));
    assertEquals("postgres-dialect", config.getString("akka.projection.jdbc.dialect"));
    // the read journal has its own pool on the same database, whose statements are never planned generically
    assertEquals("read-journal", config.getString("jdbc-read-journal.use-shared-db"));
    assertEquals("jdbc:postgresql://db:5432/x",
        config.getString("akka-persistence-jdbc.shared-databases.read-journal.db.url"));
    assertEquals("0",
        config.getString("akka-persistence-jdbc.shared-databases.read-journal.db.properties.prepareThreshold"));
    assertEquals(4, config.getInt("akka-persistence-jdbc.shared-databases.read-journal.db.maxConnections"));
  }

  @Test
  void unknownProfileIsRefusedWithTheChoices() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> AppConfig.load(ConfigFactory.parseMap(Map.of("orchestrator.db.profile", "mysql"))));
    assertTrue(error.getMessage().contains("ORCH_DB_PROFILE"), error.getMessage());
  }

  @Test
  void commaSeparatedSeedNodesBecomeAkkaSeedNodes() {
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of("orchestrator.cluster.seed-nodes",
        "akka://Orchestrator@10.0.0.1:25520, akka://Orchestrator@10.0.0.2:25520")));
    assertEquals(List.of("akka://Orchestrator@10.0.0.1:25520", "akka://Orchestrator@10.0.0.2:25520"),
        config.getStringList("akka.cluster.seed-nodes"));
  }

  @Test
  void bootstrapEndpointsBecomeConfigDiscoveryContactPoints() {
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.cluster.bootstrap-endpoints", "127.0.0.1:8558, 127.0.0.1:8559")));
    var endpoints = config.getConfigList("akka.discovery.config.services.orchestrator.endpoints");
    assertEquals(2, endpoints.size());
    assertEquals(8559, endpoints.get(1).getInt("port"));
    assertEquals("kubernetes-api", AppConfig.load(ConfigFactory.parseMap(Map.of(
        "akka.management.cluster.bootstrap.contact-point-discovery.discovery-method", "kubernetes-api")))
        .getString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
  }

  /** Environment variables as HOCON sees them: a root-level key is found before the process environment. */
  static Config withEnv(Map<String, String> env) {
    return AppConfig.load(ConfigFactory.parseMap(env));
  }

  static final String BOOTSTRAP = "akka.management.cluster.bootstrap.contact-point-discovery.";

  @Test
  void defaultsStayOneNodeOnLoopbackWithoutBootstrap() {
    Config config = AppConfig.load();
    assertEquals("127.0.0.1", config.getString("akka.remote.artery.canonical.hostname"));
    assertEquals("", config.getString("akka.remote.artery.bind.hostname"), "binds the canonical hostname");
    assertEquals("127.0.0.1", config.getString("akka.management.http.hostname"));
    assertEquals(false, config.getBoolean("orchestrator.cluster.bootstrap"));
    assertEquals(List.of(), config.getStringList("akka.cluster.seed-nodes"));
  }

  @Test
  void hostnameSetsRemotingAndManagementAddressAndTheSpecificOnesWin() {
    Config config = withEnv(Map.of("ORCH_HOSTNAME", "10.1.2.3", "ORCH_REMOTE_BIND_HOST", "0.0.0.0",
        "ORCH_MANAGEMENT_BIND_HOST", "0.0.0.0"));
    assertEquals("10.1.2.3", config.getString("akka.remote.artery.canonical.hostname"));
    assertEquals("10.1.2.3", config.getString("akka.management.http.hostname"));
    assertEquals("0.0.0.0", config.getString("akka.remote.artery.bind.hostname"));
    assertEquals("0.0.0.0", config.getString("akka.management.http.bind-hostname"));
    Config specific = withEnv(Map.of("ORCH_HOSTNAME", "10.1.2.3", "ORCH_REMOTE_HOST", "node-a",
        "ORCH_MANAGEMENT_HOST", "node-b"));
    assertEquals("node-a", specific.getString("akka.remote.artery.canonical.hostname"));
    assertEquals("node-b", specific.getString("akka.management.http.hostname"));
  }

  @Test
  void configDiscoveryTurnsBootstrapOnWithTheEndpointsFromTheEnvironment() {
    Config config = withEnv(Map.of("ORCH_HOSTNAME", "10.0.0.2", "ORCH_DISCOVERY", "config",
        "ORCH_BOOTSTRAP_ENDPOINTS", "10.0.0.1:8558,10.0.0.2:8558,10.0.0.3:8558",
        "ORCH_BOOTSTRAP_REQUIRED_CONTACTS", "3"));
    assertTrue(config.getBoolean("orchestrator.cluster.bootstrap"));
    assertEquals("config", config.getString(BOOTSTRAP + "discovery-method"));
    assertEquals(3, config.getInt(BOOTSTRAP + "required-contact-point-nr"));
    var endpoints = config.getConfigList("akka.discovery.config.services.orchestrator.endpoints");
    assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), endpoints.stream().map(e -> e.getString("host")).toList());
    // the node finds itself among the contact points: its management address is one of them
    assertTrue(endpoints.stream().anyMatch(e -> e.getString("host").equals(config.getString("akka.management.http.hostname"))
        && e.getInt("port") == config.getInt("akka.management.http.port")));
  }

  @Test
  void kubernetesApiDiscoveryTurnsBootstrapOnAndSelectsPodsByLabel() {
    Config config = withEnv(Map.of("ORCH_HOSTNAME", "10.1.2.3", "ORCH_DISCOVERY", "kubernetes-api"));
    assertTrue(config.getBoolean("orchestrator.cluster.bootstrap"));
    assertEquals("kubernetes-api", config.getString(BOOTSTRAP + "discovery-method"));
    assertEquals("orchestrator", config.getString(BOOTSTRAP + "service-name"));
    assertEquals("app=%s", config.getString("akka.discovery.kubernetes-api.pod-label-selector"));
    assertTrue(config.getBoolean("akka.discovery.kubernetes-api.use-raw-ip"), "contact points probed at the pod IP");
  }

  @Test
  void seedNodesModeKeepsBootstrapOffEvenIfTheOldSwitchSaysOn() {
    Config config = withEnv(Map.of("ORCH_DISCOVERY", "seed-nodes", "ORCH_CLUSTER_BOOTSTRAP", "on",
        "ORCH_SEED_NODES", "akka://Orchestrator@10.0.0.1:25520"));
    assertEquals(false, config.getBoolean("orchestrator.cluster.bootstrap"));
    assertEquals(List.of("akka://Orchestrator@10.0.0.1:25520"), config.getStringList("akka.cluster.seed-nodes"));
  }

  @Test
  void discoveryCombinationsThatCannotFormTheClusterAreRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withEnv(Map.of("ORCH_DISCOVERY", "dns")))
        .getMessage().contains("ORCH_DISCOVERY"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withEnv(Map.of("ORCH_DISCOVERY", "config")))
        .getMessage().contains("ORCH_BOOTSTRAP_ENDPOINTS"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withEnv(Map.of("ORCH_DISCOVERY", "kubernetes-api",
        "ORCH_SEED_NODES", "akka://Orchestrator@10.0.0.1:25520"))).getMessage().contains("ORCH_SEED_NODES"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withEnv(Map.of(
        "ORCH_BOOTSTRAP_ENDPOINTS", "10.0.0.1"))).getMessage().contains("host:port"));
  }
}

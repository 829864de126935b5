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
}

package app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Props;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.CounterEntity;
import support.Http;
import support.TestConfig;
import support.TestDatabase;

/** A whole node on each persistence profile: health, readiness, and data that survives a restart. */
class NodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void embeddedDefaultServesHealthAndKeepsDataAcrossRestarts() throws Exception {
    Config config = TestConfig.h2(dataDir);
    String id = "h2-" + UUID.randomUUID();
    try (Node node = Node.start(config)) {
      assertHealthy(node, "h2");
      assertReady(config);
      assertEquals(new CounterEntity.State(12, 2), add(node, id, 5, 7));
    }
    assertTrue(Files.exists(dataDir.resolve("orchestrator.mv.db")), "H2 file under the data dir");
    try (Node node = Node.start(config)) {
      assertEquals(new CounterEntity.State(15, 3), add(node, id, 3));
    }
  }

  @Test
  void postgresProfileServesHealthAndRecoversStateAfterRestart() throws Exception {
    TestDatabase.reset();
    Config config = TestConfig.postgres();
    String id = "pg-" + UUID.randomUUID();
    try (Node node = Node.start(config)) {
      assertHealthy(node, "postgres");
      assertEquals(new CounterEntity.State(10, 3), add(node, id, 1, 2, 7));
    }
    try (Node node = Node.start(config)) {
      // Recovery replays the three events from PostgreSQL before the new one.
      assertEquals(new CounterEntity.State(11, 4), add(node, id, 1));
    }
  }

  @Test
  void healthReportsAnUnreachableJournalAs503() throws Exception {
    Config config = TestConfig.postgres(java.util.Map.of(
        "orchestrator.db.postgres.url", "jdbc:postgresql://127.0.0.1:" + TestConfig.freePort() + "/nowhere",
        "orchestrator.db.apply-schema", false));
    try (Node node = Node.start(config)) {
      HttpResponse<String> response = Http.get("http://127.0.0.1:" + node.httpPort() + "/health");
      assertEquals(503, response.statusCode(), response.body());
      assertEquals(JSON.readTree("{\"status\":\"degraded\"}"), JSON.readTree(response.body()),
          "the public port tells the status only");
      HttpResponse<String> details = adminHealth(node);
      assertEquals(503, details.statusCode(), details.body());
      JsonNode body = JSON.readTree(details.body());
      assertEquals("degraded", body.get("status").asText());
      assertEquals(false, body.at("/journal/reachable").asBoolean());
      assertTrue(body.at("/journal/error").isTextual(), "the journal error is told: " + details.body());
      HttpResponse<String> ready = Http.get(
          "http://127.0.0.1:" + config.getInt("akka.management.http.port") + "/ready");
      assertEquals(500, ready.statusCode(), "not ready while the journal is unreachable");
    }
  }

  private static void assertHealthy(Node node, String profile) throws Exception {
    HttpResponse<String> response =
        Http.awaitStatus("http://127.0.0.1:" + node.httpPort() + "/health", 200, Duration.ofSeconds(30));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(JSON.readTree("{\"status\":\"ok\"}"), JSON.readTree(response.body()),
        "the public port tells the status only: no address, cluster, journal or heap");
    HttpResponse<String> details = adminHealth(node);
    assertEquals(200, details.statusCode(), details.body());
    JsonNode body = JSON.readTree(details.body());
    assertEquals("ok", body.get("status").asText());
    assertTrue(body.get("node").asText().startsWith("akka://Orchestrator@127.0.0.1:"));
    assertEquals("Up", body.at("/cluster/selfStatus").asText());
    assertEquals(profile, body.at("/journal/profile").asText());
    assertTrue(body.at("/journal/reachable").asBoolean());
    assertTrue(body.at("/jvm/heapPeakMib").asLong() > 0, details.body());
  }

  /** {@code GET /admin/health} with the viewer token (the details need a token, any role). */
  private static HttpResponse<String> adminHealth(Node node) {
    return Http.sendAsIs(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/admin/health"))
        .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + TestConfig.VIEWER_TOKEN).build());
  }

  private static void assertReady(Config config) throws Exception {
    String base = "http://127.0.0.1:" + config.getInt("akka.management.http.port");
    assertEquals(200, Http.awaitStatus(base + "/alive", 200, Duration.ofSeconds(20)).statusCode());
    HttpResponse<String> ready = Http.awaitStatus(base + "/ready", 200, Duration.ofSeconds(30));
    assertEquals(200, ready.statusCode(), ready.body());
  }

  private static CounterEntity.State add(Node node, String id, int... amounts) {
    ActorRef<CounterEntity.Command> counter = node.system().systemActorOf(
        CounterEntity.create(id), "counter-" + UUID.randomUUID(), Props.empty());
    TestProbe<CounterEntity.State> probe = TestProbe.create(node.system());
    CounterEntity.State last = null;
    for (int amount : amounts) {
      counter.tell(new CounterEntity.Add(amount, probe.getRef()));
      last = probe.receiveMessage(Duration.ofSeconds(15));
    }
    return last;
  }
}

package replay;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.MarketNode;
import support.TestDatabase;

/**
 * A journal and snapshot store written by an earlier version of the service (src/test/resources/replay, written
 * once by {@link ReplayFixtureWriter} with the code of 2026-11-27, before the packages moved) replays into this code
 * with the same state: every order's view and event history, every SKU's numbers, reservations, listings, rules and
 * history answer exactly what that version answered after its own recovery. Persisted class names of that version
 * are mapped by the serialization migration; a class moved without one fails here.
 */
class ReplayFixtureTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void aPostgresJournalOfTheOldCodeReplaysWithTheSameState() throws Exception {
    TestDatabase.reset();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      for (String statement : postgresStatements(resource("replay/postgres/journal.sql"))) s.execute(statement);
    }
    try (MarketNode market = MarketNode.start(Map.of())) {
      assertSameAnswers(market, "replay/postgres/expected.json");
    }
  }

  @Test
  void anH2DatabaseOfTheOldCodeReplaysWithTheSameState() throws Exception {
    Path script = dataDir.resolve("journal.sql");
    Files.writeString(script, resource("replay/h2/journal.sql"));
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("orchestrator"), "sa", "");
         Statement s = c.createStatement()) {
      s.execute("RUNSCRIPT FROM '" + script + "'");
    }
    try (MarketNode market = MarketNode.start(Map.of("orchestrator.db.profile", "h2",
        "orchestrator.data-dir", dataDir.toString()))) {
      assertSameAnswers(market, "replay/h2/expected.json");
    }
  }

  private static void assertSameAnswers(MarketNode market, String expectedResource) throws Exception {
    JsonNode expected = JSON.readTree(resource(expectedResource));
    assertTrue(expected.size() > 100, "the fixture holds the answers of 64 orders and 7 SKUs");
    List<String> differences = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode actual = withoutAddedFields(ReplayFixtureWriter.get(market.url(entry.getKey())));
      if (!actual.equals(entry.getValue())) {
        differences.add(entry.getKey() + " at " + firstDifference("", entry.getValue(), actual));
      }
    }
    if (!differences.isEmpty()) {
      fail(differences.size() + " of " + expected.size() + " answers differ after replay; the first:\n"
          + String.join("\n", differences.subList(0, Math.min(3, differences.size()))));
    }
  }

  /**
   * Fields this code deliberately added to old answers, accepted exactly as replay shows them and nothing else:
   * {@code buyerData} (null: the old event's details still carry the buyer) on every DetailsReceived event, and a
   * SKU's {@code exposure} (empty: old journals hold no stock shares).
   */
  static JsonNode withoutAddedFields(JsonNode answer) {
    if (answer.isObject() && answer.has("exposure") && answer.get("exposure").isObject()
        && answer.get("exposure").isEmpty()) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) answer).remove("exposure");
    }
    if (!answer.isArray()) return answer;
    for (JsonNode e : answer) {
      if (e.isObject() && "DetailsReceived".equals(e.path("type").asText()) && e.path("event").isObject()
          && e.get("event").has("buyerData") && e.get("event").get("buyerData").isNull()) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) e.get("event")).remove("buyerData");
      }
    }
    return answer;
  }

  /** Where two JSON trees first differ: a JSON pointer with both values. */
  static String firstDifference(String at, JsonNode expected, JsonNode actual) {
    if (expected.isContainerNode() && actual != null && expected.getNodeType() == actual.getNodeType()) {
      if (expected.isArray() && expected.size() != actual.size()) {
        return at + ": " + expected.size() + " elements expected, " + actual.size() + " found";
      }
      for (Iterator<String> names = expected.isObject() ? expected.fieldNames() : null; names != null && names.hasNext(); ) {
        String name = names.next();
        if (!expected.get(name).equals(actual.get(name))) return firstDifference(at + "/" + name, expected.get(name), actual.get(name));
      }
      for (int i = 0; expected.isArray() && i < expected.size(); i++) {
        if (!expected.get(i).equals(actual.get(i))) return firstDifference(at + "/" + i, expected.get(i), actual.get(i));
      }
      if (expected.isObject()) {
        List<String> extra = new ArrayList<>();
        actual.fieldNames().forEachRemaining(n -> {
          if (!expected.has(n)) extra.add(n);
        });
        return at + ": fields " + extra + " found beside the expected ones";
      }
    }
    return at + ": expected " + expected + ", found " + actual;
  }

  /** pg_dump's plain output as JDBC statements: psql meta-commands and comments left out. */
  static List<String> postgresStatements(String dump) {
    StringBuilder sql = new StringBuilder();
    for (String line : dump.split("\n")) {
      if (line.startsWith("\\") || line.startsWith("--")) continue;
      sql.append(line).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String statement : sql.toString().split(";\n")) {
      if (!statement.isBlank()) statements.add(statement.strip());
    }
    return statements;
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = ReplayFixtureTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing test resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}

package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.RecipientRef;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import order.OrderEntity;
import order.OrderPeers;
import order.OrderSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import sku.SkuEntity;
import sku.SkuSettings;

/**
 * The production {@code logback.xml} (not the tests' own) loaded as a node loads it, with {@code ORCH_LOG_FORMAT}
 * given as a system property and the console captured: json gives one JSON object per line with the MDC, text (the
 * default) today's pattern, an unknown value text and a warning; the order and SKU entities' lines carry their keys.
 */
class LogFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOGGER = "infra.LogFormatTest.probe";

  private final PrintStream realOut = System.out;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private ActorTestKit kit;

  private LoggerContext configure(String format) throws Exception {
    if (format == null) System.clearProperty(LogFormat.VARIABLE);
    else System.setProperty(LogFormat.VARIABLE, format);
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    context.getStatusManager().clear();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL production = LogFormatTest.class.getResource("/logback.xml");
    assertNotNull(production, "src/main/resources/logback.xml on the classpath");
    configurator.doConfigure(production);
    return context;
  }

  @AfterEach
  void restore() throws Exception {
    if (kit != null) kit.shutdownTestKit();
    System.clearProperty(LogFormat.VARIABLE);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ContextInitializer(context).autoConfig(); // back to logback-test.xml for the tests after this one
    System.setOut(realOut);
  }

  /** The captured console lines that satisfy {@code wanted}, once there is one (the appender is asynchronous). */
  private List<String> awaitLines(Predicate<String> wanted) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    List<String> lines = List.of();
    while (System.currentTimeMillis() < deadline) {
      lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
      if (lines.stream().anyMatch(wanted)) return lines;
      Thread.sleep(20);
    }
    throw new AssertionError("no such line among " + lines);
  }

  /**
   * Logback's warnings and errors from configuring: it prints them all at start when there is one. Not "no appenders
   * present": in this shared test JVM another test's threads may log while the context is being reconfigured.
   */
  private static List<String> complaints(LoggerContext context) {
    return context.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() >= Status.WARN)
        .map(Status::getMessage).filter(m -> !m.startsWith("No appenders present in context")).toList();
  }

  private static JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      assertTrue(node.isObject(), line);
      return node;
    } catch (IOException e) {
      throw new AssertionError("not one JSON object: " + line, e);
    }
  }

  private static JsonNode jsonLine(List<String> lines, Predicate<JsonNode> wanted) {
    List<JsonNode> parsed = lines.stream().map(LogFormatTest::parse).toList(); // every line, not only ours
    return parsed.stream().filter(wanted).findFirst().orElseThrow(() -> new AssertionError("none in " + lines));
  }

  @Test
  void jsonGivesOneObjectPerLineWithLevelLoggerMessageAndMdc() throws Exception {
    assertEquals(List.of(), complaints(configure("json")), "a quiet start");
    Logger log = LoggerFactory.getLogger(LOGGER);
    MDC.put(LogContext.ORDER_KEY, "shopee|1001|SN-1");
    try {
      log.info("order {} noted", "SN-1");
    } finally {
      MDC.remove(LogContext.ORDER_KEY);
    }
    log.warn("a failure\nover two lines", new IllegalStateException("boom"));
    List<String> lines = awaitLines(l -> l.contains("IllegalStateException"));

    JsonNode info = jsonLine(lines, n -> n.path("formattedMessage").asText().equals("order SN-1 noted"));
    assertEquals("INFO", info.get("level").asText());
    assertEquals(LOGGER, info.get("loggerName").asText());
    assertEquals("order {} noted", info.get("message").asText(), "the template, beside the formatted message");
    assertEquals("shopee|1001|SN-1", info.at("/mdc/orderKey").asText(), info.toString());
    assertTrue(info.get("timestamp").asLong() > 0);

    JsonNode warn = jsonLine(lines, n -> n.path("level").asText().equals("WARN") && LOGGER.equals(
        n.path("loggerName").asText()));
    assertEquals("a failure\nover two lines", warn.get("message").asText(), "a line break stays inside the line");
    assertEquals("java.lang.IllegalStateException", warn.at("/throwable/className").asText(), warn.toString());
    assertTrue(warn.at("/throwable/stepArray").size() > 0, "the stack trace is in the same object");
  }

  @Test
  void textIsTheDefaultAndKeepsTodaysPattern() throws Exception {
    assertEquals(List.of(), complaints(configure("text")), "a quiet start");
    assertEquals(List.of(), complaints(configure(null)), "a quiet start");
    LoggerFactory.getLogger(LOGGER).info("plain {}", "text");
    String line = awaitLines(l -> l.contains("plain text")).stream().filter(l -> l.contains("plain text"))
        .findFirst().orElseThrow();
    assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  infra\\.LogFormatTest\\.probe +- plain text"), line);
    assertThrows(IOException.class, () -> JSON.readTree(line), "not JSON");
  }

  @Test
  void anUnknownFormatLogsTextAndWarnsInsteadOfLosingLines() throws Exception {
    LoggerContext context = configure("yaml");
    LoggerFactory.getLogger(LOGGER).info("still {}", "logged");
    String line = awaitLines(l -> l.contains("still logged")).stream().filter(l -> l.contains("still logged"))
        .findFirst().orElseThrow();
    assertTrue(line.contains(" INFO  infra.LogFormatTest.probe"), "as text: " + line);
    assertEquals(List.of("ORCH_LOG_FORMAT=yaml is neither text nor json: logging text"), complaints(context),
        "logback warns about the value, and only about it (it prints its warnings at start)");
    assertEquals("json", new LogFormat().choose(" JSON "), "case and blanks do not matter");
    assertEquals("text", new LogFormat().choose(""), "empty is the default");
  }

  @Test
  void orderAndSkuEntitiesPutTheirKeysInTheMdc() throws Exception {
    LoggerContext context = configure("json");
    // Their recovery lines are DEBUG: they run on the journal's reply, not on a command.
    context.getLogger("order").setLevel(Level.DEBUG);
    context.getLogger("sku").setLevel(Level.DEBUG);
    kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local\n"
            + "orchestrator.sku.read-journal = \"akka.persistence.testkit.query\""))
        .withFallback(AppConfig.load()));

    String sku = "SKU-MDC-" + UUID.randomUUID();
    kit.spawn(SkuEntity.persistent(sku, SkuSettings.from(kit.system().settings().config()), null));
    String orderKey = OrderEntity.orderKey(Channel.SHOPEE, "1001", "SN-MDC-" + UUID.randomUUID());
    kit.spawn(OrderEntity.create(orderKey, new OrderSettings(Duration.ofMinutes(30), Duration.ofHours(1),
        Duration.ofHours(4), Duration.ofHours(1), true), new NoPeers(), Clock.systemUTC()));

    List<String> lines = awaitLines(l -> l.contains("SKU " + sku + " recovered"));
    JsonNode skuLine = jsonLine(lines, n -> n.path("formattedMessage").asText().startsWith("SKU " + sku));
    assertEquals(sku, skuLine.at("/mdc/sku").asText(), skuLine.toString());
    assertFalse(skuLine.at("/mdc/akkaSource").asText().isBlank(), "Akka's own MDC stays: " + skuLine);

    lines = awaitLines(l -> l.contains("Order " + orderKey + " recovered"));
    JsonNode orderLine = jsonLine(lines, n -> n.path("formattedMessage").asText().startsWith("Order " + orderKey));
    assertEquals(orderKey, orderLine.at("/mdc/orderKey").asText(), orderLine.toString());
    assertEquals("1001", orderLine.at("/mdc/shop").asText(), orderLine.toString());
    assertEquals("shopee", orderLine.at("/mdc/channel").asText(), orderLine.toString());
  }

  @Test
  void linesLoggedOutsideAnActorTakeTheKeysForThatCallOnly() throws Exception {
    configure("json");
    Logger log = LoggerFactory.getLogger(LOGGER);
    MDC.put(LogContext.SHOP, "outer");
    try {
      LogContext.with(LogContext.order("tiktok|7001|TT-9"), () -> log.warn("webhook not recorded"));
      assertEquals("outer", MDC.get(LogContext.SHOP), "what was there before is put back");
      assertEquals(null, MDC.get(LogContext.ORDER_KEY), "and nothing is left behind");
    } finally {
      MDC.remove(LogContext.SHOP);
    }
    JsonNode line = jsonLine(awaitLines(l -> l.contains("webhook not recorded")),
        n -> n.path("message").asText().equals("webhook not recorded"));
    assertEquals("tiktok|7001|TT-9", line.at("/mdc/orderKey").asText(), line.toString());
    assertEquals("7001", line.at("/mdc/shop").asText(), line.toString());
    assertEquals("tiktok", line.at("/mdc/channel").asText(), line.toString());
  }

  /** A new order sends nothing while it recovers: any message would fail the test. */
  private static final class NoPeers implements OrderPeers {
    @Override
    public RecipientRef<SkuEntity.Command> sku(String sku) {
      throw new AssertionError("no SKU message expected");
    }

    @Override
    public RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId) {
      throw new AssertionError("no shop message expected");
    }

    @Override
    public RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId) {
      throw new AssertionError("no WhatsApp message expected");
    }
  }
}

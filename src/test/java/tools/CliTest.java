package tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The jar's command line, run in-process (nothing is started): mistakes are refused with exit code 2 and a message
 * naming the option before anything runs, every subcommand has its own help, the version is the pom's, check-config
 * finds errors and sandbox leftovers.
 */
class CliTest {
  record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aMistypedOptionIsRefusedWithExitCode2NamingIt() {
    Run typo = run("demo", "--order", "500");
    assertEquals(2, typo.code(), typo.toString());
    assertTrue(typo.err().contains("--order"), typo.err());
    assertTrue(typo.err().contains("Unknown option"), typo.err());
    for (String[] bad : new String[][] {{"demo", "--buyers", "abc"}, {"demo", "--buyers", "-5"}, {"demo", "--buyers"},
        {"demo", "--generator", "robots"}, {"bench", "--delays", "3x"}, {"bench", "--delays", "300ms,soon"},
        {"bench", "--strategies", "absolute,magic"}, {"bench", "--hot-share", "1.5"}, {"bench-sku", "--mode", "fast"},
        {"bench-sku", "--linger", "a while"}, {"hash-token", "old"}, {"nonsense"}, {"--nonsense"}}) {
      Run r = run(bad);
      assertEquals(2, r.code(), String.join(" ", bad) + " → " + r);
      assertFalse(r.err().isBlank(), String.join(" ", bad) + " says why");
    }
    assertTrue(run("bench", "--delays", "3x").err().contains("--delays"));
  }

  @Test
  void everySubcommandHasItsOwnHelpAndStartsNothing() {
    Run demo = run("demo", "--help");
    assertEquals(0, demo.code(), demo.toString());
    assertTrue(demo.out().contains("Usage: orchestrator demo") && demo.out().contains("--buyers")
        && demo.out().contains("--hot-stock") && !demo.out().contains("--delays"), demo.out());
    for (String command : List.of("serve", "schema", "hash-token", "check-config", "bench", "bench-sku", "sandbox")) {
      Run help = run(command, "--help");
      assertEquals(0, help.code(), command + ": " + help);
      assertTrue(help.out().contains("Usage: orchestrator " + command), command + ": " + help.out());
    }
    Run top = run("--help");
    assertEquals(0, top.code());
    for (String command : List.of("serve", "demo", "bench", "check-config", "sandbox")) {
      assertTrue(top.out().contains(command), "the top help lists " + command + ": " + top.out());
    }
    assertEquals(0, run("help", "bench").code());
    assertTrue(run("help", "bench").out().contains("--strategies"));
  }

  @Test
  void theVersionIsThePoms() throws Exception {
    Matcher pom = Pattern.compile("<artifactId>orchestrator</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(pom.find());
    Run version = run("--version");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("orchestrator " + pom.group(1) + " "), version.out());
  }

  @Test
  void checkConfigIsQuietOnTheEmbeddedDefault() {
    CheckConfig.Report report = CheckConfig.check(AppConfig::load);
    assertEquals(List.of(), report.errors());
    assertEquals(List.of(), report.warnings(), "the sandbox's values are the embedded default's, as they should be");
  }

  @Test
  void checkConfigWarnsAboutSandboxSecretsOnPostgresWithoutPrintingThem() {
    CheckConfig.Report report = CheckConfig.check(() -> AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.db.profile", "postgres", "orchestrator.shops.token-key", "a-key-for-this-test"))));
    assertEquals(List.of(), report.errors());
    String warnings = String.join("\n", report.warnings());
    assertTrue(warnings.contains("orchestrator.marketplaces.shopee.default-shop.partner-key"), warnings);
    assertTrue(warnings.contains("orchestrator.marketplaces.tiktok.default-shop.app-secret"), warnings);
    assertTrue(warnings.contains("orchestrator.marketplaces.shopee.default-shop.base-url"), "a sandbox endpoint: " + warnings);
    assertFalse(warnings.contains("sandbox-shopee-partner-key") || warnings.contains("sandbox-tiktok-app-secret"),
        "names the keys, never their values: " + warnings);
  }

  @Test
  void checkConfigReportsBrokenValuesByPath() {
    CheckConfig.Report strategy = CheckConfig.check(() -> AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.stock-sync.strategy", "bogus"))));
    assertTrue(String.join("\n", strategy.errors()).contains("orchestrator.stock-sync.strategy"), strategy.toString());
    CheckConfig.Report duration = CheckConfig.check(() -> AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.orders.retry-min", "3 parsecs"))));
    assertTrue(String.join("\n", duration.errors()).contains("retry-min"), duration.toString());
    CheckConfig.Report noKey = CheckConfig.check(() -> AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.db.profile", "postgres", "orchestrator.shops.token-key", ""))));
    assertTrue(String.join("\n", noKey.errors()).contains("ORCH_TOKEN_KEY"), noKey.toString());
    CheckConfig.Report profile = CheckConfig.check(() -> AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.db.profile", "oracle"))));
    assertTrue(String.join("\n", profile.errors()).contains("ORCH_DB_PROFILE"), profile.toString());
  }
}

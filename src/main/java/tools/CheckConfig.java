package tools;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import infra.AppConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code orchestrator check-config}: loads the configuration as {@code serve} does and reads it with the settings
 * classes a node reads at start, without starting anything, so a mistake is found before a deploy, not by a node
 * failing to start. Warns about the built-in sandbox secrets and sandbox endpoints in a setup on PostgreSQL (a real
 * shop would sign with them, or call a stand-in). Never prints a value, only the paths.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validate the configuration (application.conf and ORCH_* variables) as a node would read it, "
    + "without starting one; warn about sandbox secrets and sandbox endpoints left in a setup on PostgreSQL. "
    + "Exit 1 on errors.")
final class CheckConfig implements Callable<Integer> {
  @Spec CommandSpec spec;

  record Report(List<String> errors, List<String> warnings) {}

  @Override
  public Integer call() {
    Report report = check(AppConfig::load);
    var out = spec.commandLine().getOut();
    for (String e : report.errors()) out.println("error: " + e);
    for (String w : report.warnings()) out.println("warning: " + w);
    out.println(report.errors().isEmpty()
        ? "configuration ok" + (report.warnings().isEmpty() ? "" : " (" + report.warnings().size() + " warning(s))")
        : report.errors().size() + " error(s)");
    return report.errors().isEmpty() ? 0 : 1;
  }

  /** The checks, on the configuration {@code load} gives (tests pass their own). */
  static Report check(Supplier<Config> load) {
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Config config;
    try {
      config = load.get();
    } catch (ConfigException | IllegalArgumentException e) {
      errors.add(e.getMessage());
      return new Report(errors, warnings);
    }
    List<Map.Entry<String, Function<Config, Object>>> readers = List.of(
        Map.entry("stock sync", stocksync.StockSync.Settings::from),
        Map.entry("stock shares", stocksync.ShareSettings::from),
        Map.entry("stock pushes", marketplace.stock.PushSettings::from),
        Map.entry("SKU entity", sku.SkuSettings::from),
        Map.entry("orders", order.OrderSettings::from),
        Map.entry("marketplaces", marketplace.MarketplaceConfig::fromConfig),
        Map.entry("admin tokens", http.admin.AdminTokens::fromConfig));
    for (var reader : readers) {
      try {
        reader.getValue().apply(config);
      } catch (ConfigException | IllegalArgumentException | IllegalStateException e) {
        errors.add(reader.getKey() + ": " + e.getMessage());
      }
    }
    if (!config.getString("orchestrator.db.profile").equals("h2")) {
      if (config.getString("orchestrator.shops.token-key").isBlank() && !config.getBoolean("orchestrator.shops.generate-key")) {
        errors.add("orchestrator.shops.token-key (ORCH_TOKEN_KEY) is empty: on PostgreSQL every node needs the same "
            + "key to read the shops' tokens (openssl rand -base64 32)");
      }
      sandboxLeftovers(config.getConfig("orchestrator.marketplaces"), "orchestrator.marketplaces", warnings);
      java.util.Collections.sort(warnings);
    }
    return new Report(errors, warnings);
  }

  /** Secrets with the sandbox's built-in values, and endpoints on this machine, in a setup meant for real shops. */
  private static void sandboxLeftovers(Config marketplaces, String prefix, List<String> warnings) {
    for (Map.Entry<String, ConfigValue> entry : marketplaces.entrySet()) {
      if (entry.getValue().valueType() != ConfigValueType.STRING) continue;
      String path = prefix + "." + entry.getKey();
      String key = entry.getKey().toLowerCase(Locale.ROOT);
      String value = String.valueOf(entry.getValue().unwrapped());
      boolean secret = key.endsWith("key") || key.endsWith("secret") || key.endsWith("token") || key.endsWith("password");
      if (secret && value.toLowerCase(Locale.ROOT).startsWith("sandbox")) {
        warnings.add(path + " is the sandbox's built-in value: set the platform's real one");
      } else if (key.endsWith("base-url") && local(value)) {
        warnings.add(path + " points at this machine (the sandbox?), not at the platform");
      }
    }
    // The list of shops is a list of objects: entrySet does not reach into it.
    for (String channel : List.of("shopee", "tiktok", "whatsapp")) {
      String shops = channel + ".shops";
      if (!marketplaces.hasPath(shops)) continue;
      List<? extends Config> list = marketplaces.getConfigList(shops);
      for (int i = 0; i < list.size(); i++) sandboxLeftovers(list.get(i), prefix + "." + shops + "[" + i + "]", warnings);
    }
  }

  private static boolean local(String url) {
    try {
      String host = URI.create(url).getHost();
      return host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1"));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

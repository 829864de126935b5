package tools.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.Http;
import support.TestConfig;

/**
 * The README's run command end to end: {@code orchestrator demo} in its own JVM on the embedded default (H2 files in
 * a temporary data directory, the sandbox in-process), a smaller sale than the default, and then a second run on the
 * data the first one kept. Its output is the product here, so the test reads it as a newcomer would.
 */
class DemoTest {
  private static final int BUYERS = 300;
  private static final Pattern BUYERS_CAME = Pattern.compile(
      "(\\d+) buyers came in [\\d.]+ s \\(Shopee (\\d+), TikTok (\\d+), WhatsApp (\\d+)\\)");
  private static final Pattern CHANNEL_ROW = Pattern.compile(
      "^\\s+(shopee|tiktok|whatsapp)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");
  private static final Pattern SOLD = Pattern.compile("^\\s+Sold: (\\d+) units \\(Shopee \\d+, TikTok \\d+, WhatsApp \\d+\\)$");
  private static final Pattern FORCED = Pattern.compile("^\\s+Forced cancellations .*: Shopee (\\d+), TikTok (\\d+)$");
  private static final Pattern SELL_THROUGH = Pattern.compile("^\\s+Sell-through: ([\\d.]+) % ");
  private static final Pattern HOT = Pattern.compile(
      "The hot SKU (\\S+): (\\d+) units for this sale.*, (\\d+) reserved by its confirmed orders, (\\d+) available now\\.");
  private static final Pattern STORY = Pattern.compile("^\\s+(\\d+) reservations, (\\d+) releases$");
  private static final Pattern STALENESS = Pattern.compile(
      "^\\s+(shopee|tiktok)\\s+p50\\s+\\d+ ms, p99\\s+\\d+ ms, max\\s+\\d+ ms over (\\d+) pushes$");
  private static final Pattern LISTING = Pattern.compile(
      "^\\s+(FS-\\d+) available\\s+(\\d+) \\| Shopee (\\S+) \\| TikTok (\\S+)$");
  private static final Pattern LISTINGS_WRONG = Pattern.compile(
      "(\\d+) listings show other than their SKU's available units");
  private static final Pattern HELD = Pattern.compile(
      "(\\d+) units for this sale \\(on hand (\\d+): (\\d+) still held by earlier runs' orders\\)");
  private static final Pattern DASHBOARD = Pattern.compile("^\\s+dashboard\\s+(http://\\S+)/admin/ui$");
  private static final Pattern TOKEN_FILE = Pattern.compile("\\$\\(cat (\\S+)\\)");

  @TempDir
  Path data;

  @Test
  void sellsOnFreshDataThenAgainOnTheDataItKept() throws Exception {
    Run first = runDemo();
    assertTrue(first.out().stream().anyMatch(l -> l.startsWith("Data: fresh")), String.join("\n", first.out()));

    Run second = runDemo();
    assertTrue(second.out().stream().anyMatch(l -> l.startsWith("Data: resumed")), String.join("\n", second.out()));
    // Each run sets this sale's stock on top of what earlier orders hold (a second sale sold 74 of 2,000 orders
    // when the kept reservations were not added, with the old order generator).
    String all = String.join("\n", second.out());
    Matcher held = find(HELD, second.out(), all);
    assertTrue(Integer.parseInt(held.group(3)) > 0, all);
    assertEquals(Integer.parseInt(held.group(1)) + Integer.parseInt(held.group(3)), Integer.parseInt(held.group(2)), all);
    assertTrue(second.confirmed() > 0, all);
  }

  private record Run(List<String> out, int confirmed) {}

  /** Checks one run's summary and that the node it left serving answers; returns how many orders it confirmed. */
  private static int checkSale(List<String> out) {
    String all = String.join("\n", out);
    Matcher came = find(BUYERS_CAME, out, all);
    assertEquals(BUYERS, Integer.parseInt(came.group(1)), all);
    assertEquals(BUYERS, Integer.parseInt(came.group(2)) + Integer.parseInt(came.group(3))
        + Integer.parseInt(came.group(4)), all);

    int confirmed = 0;
    int marketplacesNotFilled = 0;
    int orders = 0;
    int channels = 0;
    for (String line : out) {
      Matcher row = CHANNEL_ROW.matcher(line);
      if (!row.matches()) continue;
      channels++;
      confirmed += Integer.parseInt(row.group(2));
      int notFilled = Integer.parseInt(row.group(3)) + Integer.parseInt(row.group(4));
      if (!row.group(1).equals("whatsapp")) marketplacesNotFilled += notFilled;
      orders += Integer.parseInt(row.group(2)) + notFilled;
      assertEquals(0, Integer.parseInt(row.group(5)), "orders not final on " + row.group(1) + "\n" + all);
    }
    assertEquals(3, channels, all);
    // buyers refused at checkout place no order
    assertTrue(confirmed > 0 && orders <= BUYERS, all);

    // the closing lines: units sold (an order has 1 or 2), forced cancellations as the ledger has them, sell-through
    int sold = Integer.parseInt(find(SOLD, out, all).group(1));
    assertTrue(sold >= confirmed && sold <= 2 * confirmed, all);
    Matcher forced = find(FORCED, out, all);
    assertEquals(marketplacesNotFilled, Integer.parseInt(forced.group(1)) + Integer.parseInt(forced.group(2)), all);
    double sellThrough = Double.parseDouble(find(SELL_THROUGH, out, all).group(1));
    assertTrue(sellThrough > 0 && sellThrough <= 100, all);

    // The hot SKU gets part of its demand, never past its stock.
    Matcher hot = find(HOT, out, all);
    int units = Integer.parseInt(hot.group(2));
    // whether it sells out depends on the stock sync (forced cancellations or refusals): never past its stock
    assertEquals(units, Integer.parseInt(hot.group(3)) + Integer.parseInt(hot.group(4)), all);
    assertTrue(Integer.parseInt(hot.group(3)) > 0, all);
    // its story: reservations of at least one unit each, within its units, the first and last one told
    int reservations = Integer.parseInt(find(STORY, out, all).group(1));
    assertTrue(reservations >= 1 && reservations <= units, all);
    assertTrue(all.contains("first reservation") && all.contains("last reservation"), all);
    // staleness for both channels with stock APIs, from this sale's pushes
    assertEquals(2, out.stream().map(STALENESS::matcher).filter(Matcher::matches)
        .filter(m -> Integer.parseInt(m.group(2)) > 0).count(), all);

    // every listing shows its SKU's available units, or the summary says how many do not (the share sync splits
    // them; a marketplace gave a cancelled order's units back)
    Matcher wrongLine = LISTINGS_WRONG.matcher(all);
    int wrong = wrongLine.find() ? Integer.parseInt(wrongLine.group(1)) : 0;
    assertTrue(wrong > 0 || all.contains("every Shopee and TikTok listing shows its SKU's available units")
        || all.contains("no SKU shows more on Shopee and TikTok together than it has left"), all);
    int listings = 0;
    int differing = 0;
    for (String line : out) {
      Matcher listing = LISTING.matcher(line);
      if (!listing.matches()) continue;
      listings++;
      if (!listing.group(3).equals(listing.group(2))) differing++;
      if (!listing.group(4).equals(listing.group(2))) differing++;
    }
    assertEquals(5, listings, all);
    // under shares each listing shows its share, not available: only the total is bounded (checked by the demo)
    assertTrue(differing <= wrong || all.contains("no SKU shows more on Shopee and TikTok together"), all);

    // It keeps serving: the printed admin URL answers with the printed token.
    String base = find(DASHBOARD, out, all).group(1);
    String tokenFile = find(TOKEN_FILE, out, all).group(1);
    try {
      String token = Files.readString(Path.of(tokenFile)).trim();
      var summary = Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/orders/summary"))
          .header("Authorization", "Bearer " + token).build());
      assertEquals(200, summary.statusCode(), summary.body());
      assertEquals(200, Http.get(base + "/admin/ui").statusCode());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    return confirmed;
  }

  private static Matcher find(Pattern pattern, List<String> out, String all) {
    for (String line : out) {
      Matcher m = pattern.matcher(line);
      if (m.find()) return m;
    }
    throw new AssertionError("no line matches " + pattern + " in:\n" + all);
  }

  /**
   * Starts {@code tools.Cli demo} on the test classpath, reads its output until it says it keeps serving, checks the
   * run while the node serves, then stops the JVM (SIGTERM: coordinated shutdown closes the H2 files).
   */
  private Run runDemo() throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseParallelGC",
        "-Dorchestrator.data-dir=" + data,
        "-Dorchestrator.http.port=" + TestConfig.freePort(),
        "-Dorchestrator.sandbox.port=" + TestConfig.freePort(),
        "-Dakka.management.http.port=" + TestConfig.freePort(),
        "-Dakka.remote.artery.canonical.port=" + TestConfig.freePort(),
        "-cp", System.getProperty("java.class.path"),
        "tools.Cli", "demo", "--buyers", String.valueOf(BUYERS), "--skus", "40"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // The embedded default: none of the environment's database, Redis or cluster settings.
    builder.environment().keySet().removeIf(k -> k.startsWith("ORCH_"));
    Process process = builder.start();
    List<String> lines = new ArrayList<>();
    CompletableFuture<Boolean> serving = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        boolean seen = false;
        for (String line; (line = reader.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
          // The lines after this one are the URLs and the example; the last is the token hint.
          if (line.startsWith("The node keeps serving")) seen = true;
          if (seen && line.contains("the operator token generated for this run")) return true;
        }
        return false;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    try {
      boolean up = serving.get(4, TimeUnit.MINUTES);
      List<String> out;
      synchronized (lines) {
        out = List.copyOf(lines);
      }
      assertTrue(up, "the demo stopped before serving:\n" + String.join("\n", out));
      return new Run(out, checkSale(out));
    } finally {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("the demo did not stop within 60 s of SIGTERM");
      }
    }
  }
}

package http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import marketplace.MarketParseException;
import marketplace.channels.WebhookParser;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;

/**
 * Malformed input, generated from a fixed seed, against the webhook parsers and over real HTTP against the webhook
 * and admin routes: random bytes, truncated JSON, deep nesting, huge strings, wrong types, control and invisible
 * characters in path parameters. Every answer must be a 4xx with a JSON error body, and nothing may change: the
 * journal, the stored WhatsApp texts and a SKU's state are compared before and after.
 */
class FuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SEED = 20240917L;
  private static final int WEBHOOK_CASES_PER_CHANNEL = 120;
  private static final int ADMIN_CASES = 250;
  private static MarketNode market;

  private static final String SHOPEE = "{\"data\":{\"ordersn\":\"SN-FZ-1\",\"status\":\"READY_TO_SHIP\","
      + "\"update_time\":1700000000},\"shop_id\":1001,\"code\":3,\"timestamp\":1700000000,\"msg_id\":\"fz-1\"}";
  private static final String TIKTOK = "{\"type\":1,\"tts_notification_id\":\"n-fz\",\"shop_id\":\"7001\","
      + "\"timestamp\":1700000000,\"data\":{\"order_id\":\"TT-FZ-1\",\"order_status\":\"AWAITING_SHIPMENT\","
      + "\"update_time\":1700000000}}";
  private static final String WHATSAPP = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"W\","
      + "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":"
      + "{\"phone_number_id\":\"5550001\"},\"messages\":[{\"from\":\"628999\",\"id\":\"wamid.FZ\",\"timestamp\":"
      + "\"1700000000\",\"type\":\"text\",\"text\":{\"body\":\"hello\"}}]}}]}]}";

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    HttpResponse<String> stock = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-FZ/stock")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":10}")).build());
    assertEquals(200, stock.statusCode(), stock.body());
    HttpResponse<String> order = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/orders")))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"phone\",\"shopId\":\"desk\",\"orderId\":\"M-FZ\",\"lines\":[{\"sku\":\"SKU-FZ\",\"quantity\":2}]}"))
        .build());
    assertEquals(201, order.statusCode(), order.body());
    long deadline = System.currentTimeMillis() + 20_000;
    while (!Http.get(market.url("/admin/orders/phone/desk/M-FZ")).body().contains("CONFIRMED")) {
      assertTrue(System.currentTimeMillis() < deadline, "M-FZ not confirmed");
      Thread.sleep(100);
    }
    Thread.sleep(500); // let the saga's last writes land before comparing
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  // ------------------------------------------------------------------ generators

  private static String randomText(Random r, int max) {
    StringBuilder b = new StringBuilder();
    int n = 1 + r.nextInt(max);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      if (kind < 5) b.append((char) (32 + r.nextInt(95)));
      else if (kind < 7) b.append((char) r.nextInt(32));
      else if (kind < 8) b.append("\u202E\u200B\u2028\u0085\uFEFF".charAt(r.nextInt(5)));
      else if (kind < 9) b.append((char) (0xD800 + r.nextInt(0x800))); // lone surrogates
      else b.append("{}[]\":,\\".charAt(r.nextInt(8)));
    }
    return b.toString();
  }

  private static byte[] randomBytes(Random r) {
    byte[] bytes = new byte[8 + r.nextInt(2000)];
    r.nextBytes(bytes);
    bytes[0] = (byte) "{[\"x<~!".charAt(r.nextInt(7)); // never blank
    return bytes;
  }

  private static String deep(Random r) {
    int depth = 33 + r.nextInt(r.nextBoolean() ? 100 : 20_000);
    String open = r.nextBoolean() ? "[" : "{\"a\":";
    StringBuilder b = new StringBuilder("{\"data\":");
    b.append(open.repeat(depth)).append('1');
    if (r.nextBoolean()) b.append((open.equals("[") ? "]" : "}").repeat(depth)).append('}');
    return b.toString();
  }

  /**
   * A value of a type no parser accepts for the field. Scalars are left out on purpose: parsers read numbers as ids
   * (Shopee's shop_id is a number), so {@code "id": -1} is a valid message, not a malformed one. Identifiers
   * ({@code $id}) also get control, invisible and over-long values, which the order intake refuses.
   */
  private static String wrongValue(Random r, boolean id) {
    String[] structural = {"[]", "{}", "[1,2]", "{\"x\":[]}", "null", "\"\"", "\"   \""};
    String[] ids = {"\"\\u0000\\u0000\"", "\"SN\\u202Ex\"", "\"" + "x".repeat(300) + "\"", "\"\\ud800\"",
        "\"\\u0085\"", "\"SN|1\""};
    if (id && r.nextBoolean()) return ids[r.nextInt(ids.length)];
    return structural[r.nextInt(structural.length)];
  }

  /** Not an array (nor absent), where an array is required. */
  private static String notAnArray(Random r) {
    String[] values = {"{}", "{\"x\":[]}", "\"text\"", "7", "true", "[1,2]"};
    return values[r.nextInt(values.length)];
  }

  /** Malformed variants of a valid template; {@code fields} are the JSON paths replaced by wrong types. */
  private static byte[] malformed(Random r, String template, List<String[]> wrongTypes) {
    String body = switch (r.nextInt(6)) {
      case 0 -> null;
      case 1 -> template.substring(0, 1 + r.nextInt(template.length() - 2)); // truncated
      case 2 -> deep(r);
      case 3 -> template.replaceFirst("\\{", "{\"pad\":\"" + "p".repeat(270_000 + r.nextInt(100_000)) + "\",");
      case 4 -> {
        String[] pair = wrongTypes.get(r.nextInt(wrongTypes.size()));
        yield template.replace(pair[0], pair[1].replace("$arr", notAnArray(r))
            .replace("$id", wrongValue(r, true)).replace("$", wrongValue(r, false)));
      }
      default -> template.substring(0, r.nextInt(template.length())) + randomText(r, 40)
          + template.substring(r.nextInt(template.length()));
    };
    return body == null ? randomBytes(r) : body.getBytes(StandardCharsets.UTF_8);
  }

  private static final List<String[]> SHOPEE_WRONG = List.of(
      new String[] {"\"data\":{\"ordersn\":\"SN-FZ-1\"", "\"data\":$,\"x\":{\"ordersn\":\"SN-FZ-1\""},
      new String[] {"\"ordersn\":\"SN-FZ-1\"", "\"ordersn\":$id"},
      new String[] {"\"code\":3", "\"code\":$"});
  private static final List<String[]> TIKTOK_WRONG = List.of(
      new String[] {"\"data\":{", "\"data\":$,\"x\":{"},
      new String[] {"\"order_id\":\"TT-FZ-1\"", "\"order_id\":$id"},
      new String[] {"\"type\":1", "\"type\":$"});
  private static final List<String[]> WHATSAPP_WRONG = List.of(
      new String[] {"\"entry\":[", "\"entry\":$arr,\"x\":["},
      new String[] {"\"messages\":[", "\"messages\":$arr,\"x\":["},
      new String[] {"\"id\":\"wamid.FZ\"", "\"id\":$"},
      new String[] {"\"from\":\"628999\"", "\"from\":$"});

  // ------------------------------------------------------------------ state that must not change

  private static String state() throws Exception {
    StringBuilder b = new StringBuilder();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      for (String q : new String[] {"SELECT count(*), coalesce(max(ordering), 0) FROM event_journal",
          "SELECT count(*), 0 FROM inbound_messages"}) {
        try (ResultSet rs = s.executeQuery(q)) {
          rs.next();
          b.append(rs.getLong(1)).append('/').append(rs.getLong(2)).append(' ');
        }
      }
    }
    b.append(Http.get(market.url("/admin/skus/SKU-FZ")).body());
    b.append(Http.get(market.url("/admin/orders/phone/desk/M-FZ")).body().replaceAll("\"holdUntil\":[^,]*,", ""));
    return b.toString();
  }

  private static void expectJson4xx(HttpResponse<String> r, String what) throws Exception {
    int status = r.statusCode();
    assertTrue(status >= 400 && status < 500, what + " answered " + status + ": " + r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        what + " " + r.headers());
    JsonNode body = JSON.readTree(r.body());
    assertFalse(body.path("error").asText().isBlank(), what + ": " + r.body());
    assertFalse(body.path("message").asText().isBlank(), what + ": " + r.body());
  }

  private static String describe(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() > 300 ? text.substring(0, 300) + "... (" + body.length + " bytes)" : text;
  }

  // ------------------------------------------------------------------ tests

  @Test
  void webhookParsersOnlyEverThrowTheirParseError() {
    Random r = new Random(SEED);
    List<Function<byte[], Object>> parsers = List.of(WebhookParser::shopee, WebhookParser::tiktok,
        WebhookParser::whatsApp);
    List<String> templates = List.of(SHOPEE, TIKTOK, WHATSAPP);
    List<List<String[]>> wrong = List.of(SHOPEE_WRONG, TIKTOK_WRONG, WHATSAPP_WRONG);
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
      int channel = i % 3;
      byte[] body = malformed(r, templates.get(channel), wrong.get(channel));
      if (body.length > 300_000) continue; // the route refuses these before parsing (413)
      try {
        parsers.get(channel).apply(body);
      } catch (MarketParseException expected) {
        refused++;
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError("parser " + channel + " threw " + e + " on " + describe(body), e);
      }
    }
    assertTrue(refused > 1000, "most malformed inputs are refused: " + refused);
  }

  @Test
  void malformedWebhooksAre4xxWithJsonAndRecordNothing() throws Exception {
    String before = state();
    Random r = new Random(SEED + 1);
    String[] channels = {"shopee", "tiktok", "whatsapp"};
    String[] templates = {SHOPEE, TIKTOK, WHATSAPP};
    List<List<String[]>> wrong = List.of(SHOPEE_WRONG, TIKTOK_WRONG, WHATSAPP_WRONG);
    for (int i = 0; i < WEBHOOK_CASES_PER_CHANNEL * 3; i++) {
      int c = i % 3;
      byte[] body = malformed(r, templates[c], wrong.get(c));
      String url = market.url("/webhooks/" + channels[c]);
      // most are signed correctly, so they get past the signature to the parser
      String signature = switch (r.nextInt(5) == 0 ? 3 : c) {
        case 0 -> Signatures.shopeePushSign("sandbox-shopee-partner-key", url, body);
        case 1 -> Signatures.tiktokWebhookSign("sandbox-tiktok-app-secret", "sandboxappkey", body);
        case 2 -> Signatures.whatsAppSignatureHeader("sandbox-whatsapp-app-secret", body);
        default -> r.nextBoolean() ? "Bearer " + TestConfig.OPERATOR_TOKEN : randomText(r, 60).replaceAll("[^ -~]", "x");
      };
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (!signature.isBlank()) b.header(c == 2 ? "X-Hub-Signature-256" : "Authorization", signature.strip());
      HttpResponse<String> response = Http.sendAsIs(b.build());
      expectJson4xx(response, channels[c] + " case " + i + " " + describe(body));
    }
    Thread.sleep(300);
    assertEquals(before, state(), "no malformed webhook changed anything");
  }

  @Test
  void malformedAdminRequestsAre4xxWithJsonAndChangeNothing() throws Exception {
    String before = state();
    Random r = new Random(SEED + 2);
    String[] badSegments = {"%00", "%1F", "%7F", "%C2%85", "%E2%80%AE", "%E2%80%8B", "%E2%80%A8", "%EF%BB%BF",
        "%7C", "x".repeat(129), "%ED%A0%80"};
    String[] methods = {"GET", "PUT", "POST", "DELETE", "PATCH"};
    List<String[]> bodyRoutes = List.of(
        new String[] {"PUT", "/admin/skus/SKU-FZ/stock", "{\"onHand\":5,\"force\":true}"},
        new String[] {"POST", "/admin/skus/SKU-FZ/adjustments", "{\"delta\":-1,\"reason\":\"DAMAGED\"}"},
        new String[] {"PUT", "/admin/skus/SKU-FZ/listings", "{\"channel\":\"whatsapp\",\"shopId\":\"5550001\"}"},
        new String[] {"POST", "/admin/orders/phone/desk/M-FZ/cancel", "{\"reason\":\"fuzz\"}"},
        new String[] {"POST", "/admin/orders/phone/desk/M-FZ/ship", "{\"trackingNumber\":\"TRK\"}"},
        new String[] {"POST", "/admin/orders",
            "{\"channel\":\"phone\",\"orderId\":\"M-FZ-2\",\"lines\":[{\"sku\":\"SKU-FZ\",\"quantity\":1}]}"});
    // wrong types that no binding can accept (a string where an object or array is needed, and so on)
    List<String[]> adminWrong = List.of(
        new String[] {"\"onHand\":5", "\"onHand\":@"}, new String[] {"\"force\":true", "\"force\":@"},
        new String[] {"\"delta\":-1", "\"delta\":@"}, new String[] {"\"reason\":\"DAMAGED\"", "\"reason\":@"},
        new String[] {"\"channel\":\"whatsapp\"", "\"channel\":@"}, new String[] {"\"reason\":\"fuzz\"", "\"reason\":@"},
        new String[] {"\"trackingNumber\":\"TRK\"", "\"trackingNumber\":@"},
        new String[] {"\"lines\":[", "\"lines\":@,\"x\":["}, new String[] {"\"quantity\":1", "\"quantity\":@"},
        new String[] {"\"channel\":\"phone\"", "\"channel\":@"});
    String[] refusedValues = {"[]", "{}", "[1]", "{\"a\":1}", "\"\\u0000\"", "1.5e300", "\"x\"", "null", "-7"};
    for (int i = 0; i < ADMIN_CASES; i++) {
      String method;
      String path;
      String body;
      if (r.nextBoolean()) {
        // a bad path parameter somewhere, any method and body
        String bad = badSegments[r.nextInt(badSegments.length)];
        String id = r.nextBoolean() ? bad : "A" + bad + "B";
        path = switch (r.nextInt(7)) {
          case 0 -> "/admin/skus/" + id;
          case 1 -> "/admin/skus/" + id + "/stock";
          case 2 -> "/admin/skus/" + id + "/history?limit=5";
          case 3 -> "/admin/orders/phone/" + id + "/M-FZ";
          case 4 -> "/admin/orders/phone/desk/" + id + "/cancel";
          case 5 -> "/admin/orders/" + id + "/desk/M-FZ/events";
          default -> "/admin/orders/phone/desk/M-FZ/" + id;
        };
        method = methods[r.nextInt(methods.length)];
        body = r.nextBoolean() ? null : randomText(r, 200);
      } else {
        String[] route = bodyRoutes.get(r.nextInt(bodyRoutes.size()));
        method = route[0];
        path = route[1];
        String template = route[2];
        body = switch (r.nextInt(5)) {
          case 0 -> new String(randomBytes(r), StandardCharsets.ISO_8859_1);
          case 1 -> template.substring(0, 1 + r.nextInt(template.length() - 2));
          case 2 -> deep(r);
          case 3 -> template.replaceFirst("\\{", "{\"pad\":\"" + "p".repeat(70_000 + r.nextInt(100_000)) + "\",");
          default -> {
            List<String[]> applicable = adminWrong.stream().filter(p -> template.contains(p[0])).toList();
            String[] pair = applicable.get(r.nextInt(applicable.size()));
            String value = refusedValues[r.nextInt(refusedValues.length)];
            boolean numeric = pair[0].contains("onHand") || pair[0].contains("delta") || pair[0].contains("quantity");
            if (numeric && value.equals("-7") && !pair[0].contains("delta")) value = "[]";
            if (pair[0].contains("delta") && value.equals("-7")) value = "0";
            if (!numeric && (value.equals("1.5e300") || value.equals("-7"))) value = "{}";
            if ((pair[0].contains("reason\":\"fuzz") || pair[0].contains("trackingNumber")) && value.equals("null")) {
              value = "[]"; // a missing cancel reason is allowed
            }
            if (pair[0].contains("trackingNumber") || pair[0].contains("reason\":\"fuzz")) {
              if (value.equals("\"x\"")) value = "{}"; // any text is a valid reason or tracking number
            }
            if (pair[0].contains("channel") && value.equals("\"x\"")) value = "\"shopee\"";
            yield template.replace(pair[0], pair[1].replace("@", value));
          }
        };
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(15))
          .header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> response = Http.sendAsIs(b.build());
      String what = method + " " + path + " case " + i + " " + (body == null ? "" : describe(
          body.getBytes(StandardCharsets.UTF_8)));
      expectJson4xx(response, what);
    }
    Thread.sleep(300);
    assertEquals(before, state(), "no malformed admin request changed anything");
  }
}

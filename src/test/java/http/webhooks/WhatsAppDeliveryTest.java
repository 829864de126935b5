package http.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * WhatsApp deliveries as Meta sends them: several entries and changes, several numbers (some not ours), fields other
 * than {@code messages}. Answered 200 once the signature is valid and what is ours is recorded; 401 only for a bad
 * signature.
 */
class WhatsAppDeliveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NUMBER = "5550001";
  private static final String SECRET = "sandbox-whatsapp-app-secret";
  private static final String CONTRACT_STATUS_NUMBER = "106540000000001";
  private static final String CONTRACT_ORDER_NUMBER = "106540000000002";
  private static final String CONTRACT_ORDER_WAMID = "wamid.HBgLNjAxNzExMTIyMjIVAgASGBQzQUQ2NkQ1QjE4NzM4RTlGRQA=";
  private static final String CONTRACT_STATUS_WAMID = "wamid.HBgLNjAxMjM0NTY3ODkVAgARGBI1QkY3QzA0RDg2MTk0RkU1QjQA";
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/TEE-RED-M/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":10}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static String contractExample() throws Exception {
    try (InputStream in = WhatsAppDeliveryTest.class.getResourceAsStream(
        "/contracts/whatsapp-status-and-other-fields-webhook.json")) {
      return JSON.readTree(in).get("example").toString();
    }
  }

  private static HttpResponse<String> post(byte[] body, String signature) {
    return Http.send(HttpRequest.newBuilder(URI.create(market.url("/webhooks/whatsapp")))
        .header("Content-Type", "application/json").header("X-Hub-Signature-256", signature)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  private static HttpResponse<String> postSigned(String body) {
    byte[] raw = body.getBytes(StandardCharsets.UTF_8);
    return post(raw, Signatures.whatsAppSignatureHeader(SECRET, raw));
  }

  private static int orderStatus(String number, String wamid) {
    return Http.get(market.url("/admin/orders/whatsapp/" + number + "/"
        + java.net.URLEncoder.encode(wamid, StandardCharsets.UTF_8).replace("+", "%20"))).statusCode();
  }

  private static String deliveryStatus(String wamid) throws Exception {
    try (Connection c = TestDatabase.connect();
         PreparedStatement s = c.prepareStatement("SELECT status FROM outbound_messages WHERE wamid = ?")) {
      s.setString(1, wamid);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  @Test
  void contractExampleIsAnswered200AndTheOrderForOurNumberRecorded() throws Exception {
    // the order's change names our number; the status's number and the template field are not ours
    HttpResponse<String> r = postSigned(contractExample().replace(CONTRACT_ORDER_NUMBER, NUMBER));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(200, orderStatus(NUMBER, CONTRACT_ORDER_WAMID), "the order of our number's change is recorded");
    assertEquals(null, deliveryStatus(CONTRACT_STATUS_WAMID), "the other number's status is not ours to record");
  }

  @Test
  void contractExampleIsAnswered200AndTheStatusForOurNumberRecorded() throws Exception {
    HttpResponse<String> r = postSigned(contractExample().replace(CONTRACT_STATUS_NUMBER, NUMBER));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("delivered", deliveryStatus(CONTRACT_STATUS_WAMID), "the status of our number's change is recorded");
    assertEquals(404, orderStatus(CONTRACT_ORDER_NUMBER, CONTRACT_ORDER_WAMID), "no order for a number not ours");
  }

  @Test
  void aTemplateStatusOnlyDeliveryIsAnswered200() throws Exception {
    Sandbox.Delivery d = market.sandbox.sendWhatsAppChanges(market.url("/webhooks/whatsapp"), NUMBER,
            List.of(Sandbox.WhatsAppChange.templateStatus("WABA-1", "order_confirmed", "APPROVED")),
            Sandbox.Redelivery.ONCE).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(200, d.status());
  }

  @Test
  void aSandboxBatchOfTwoNumbersAndATemplateStatusRecordsOursAndIsAnswered200() throws Exception {
    var items = List.of(new Sandbox.WhatsAppItem("TEE-RED-M", 1, new BigDecimal("39"), "MYR"));
    Sandbox.Delivery d = market.sandbox.sendWhatsAppChanges(market.url("/webhooks/whatsapp"), NUMBER, List.of(
            Sandbox.WhatsAppChange.order("WABA-1", "999000111", "wamid.BATCH-OTHER", "60170000001", "A", items),
            Sandbox.WhatsAppChange.order("WABA-1", NUMBER, "wamid.BATCH-OURS", "60170000002", "B", items),
            Sandbox.WhatsAppChange.templateStatus("WABA-2", "order_shipped", "REJECTED")),
        Sandbox.Redelivery.ONCE).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(200, d.status());
    assertEquals(1, d.attempts());
    assertEquals(200, orderStatus(NUMBER, "wamid.BATCH-OURS"));
    assertEquals(404, orderStatus("999000111", "wamid.BATCH-OTHER"));
  }

  @Test
  void onlyABadSignatureIsRefused() throws Exception {
    byte[] raw = contractExample().getBytes(StandardCharsets.UTF_8);
    assertEquals(401, post(raw, Signatures.whatsAppSignatureHeader("not-the-app-secret", raw)).statusCode());
    assertEquals(200, post(raw, Signatures.whatsAppSignatureHeader(SECRET, raw)).statusCode(),
        "signed by our app, naming only numbers that are not ours: acknowledged");
  }
}

package marketplace.whatsapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.Test;

/** The platform's own example payloads (src/test/resources/contracts/whatsapp-*.json) through the client's parser. */
class WhatsAppContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode example(String file) throws Exception {
    try (InputStream in = WhatsAppContractTest.class.getResourceAsStream("/contracts/" + file)) {
      assertNotNull(in, file);
      return JSON.readTree(in).get("example");
    }
  }

  @Test
  void statusOrderOfASecondNumberAndTemplateStatusInOneDelivery() throws Exception {
    byte[] body = example("whatsapp-status-and-other-fields-webhook.json").toString()
        .getBytes(StandardCharsets.UTF_8);
    List<WebhookEvent> events = WhatsAppWebhooks.read(body);
    assertEquals(3, events.size(), String.valueOf(events));

    var status = assertInstanceOf(WebhookEvent.WhatsAppDelivery.class, events.get(0));
    assertEquals("106540000000001", status.phoneNumberId(), "the number of that change");
    assertEquals("wamid.HBgLNjAxMjM0NTY3ODkVAgARGBI1QkY3QzA0RDg2MTk0RkU1QjQA", status.messageId());
    assertEquals("delivered", status.status());
    assertEquals(1735810200L, status.at().getEpochSecond());

    var order = assertInstanceOf(WebhookEvent.WhatsAppOrder.class, events.get(1));
    assertEquals("106540000000002", order.phoneNumberId(), "the number of that change, not the first one");
    assertEquals("60171112222", order.buyerPhone());
    assertEquals("Siti", order.buyerName());
    assertEquals("MYR", order.currency());
    assertEquals(1, order.lines().size());
    assertEquals("TEE-RED-M", order.lines().get(0).sellerSku());
    assertEquals(2, order.lines().get(0).quantity());
    assertEquals(0, new BigDecimal("39.0").compareTo(order.lines().get(0).unitPrice()));
    assertEquals(0, new BigDecimal("78").compareTo(order.total()));

    var template = assertInstanceOf(WebhookEvent.Ignored.class, events.get(2));
    assertEquals("field message_template_status_update", template.kind());
  }

  @Test
  void aChangeOfAnotherFieldNeedsNoValueShape() {
    byte[] body = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":["
        + "{\"field\":\"account_update\",\"value\":{\"event\":\"VERIFIED_ACCOUNT\"}},"
        + "{\"field\":\"phone_number_quality_update\"}]}]}").getBytes(StandardCharsets.UTF_8);
    List<WebhookEvent> events = WhatsAppWebhooks.read(body);
    assertEquals(2, events.size());
    events.forEach(e -> assertInstanceOf(WebhookEvent.Ignored.class, e));
  }
}

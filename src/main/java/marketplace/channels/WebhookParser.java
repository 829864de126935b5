package marketplace.channels;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import marketplace.WebhookEvent;
import marketplace.shopee.ShopeePushes;
import marketplace.tiktok.TikTokNotifications;
import marketplace.whatsapp.WhatsAppWebhooks;

/**
 * Parses raw webhook bodies (already signature-checked) into {@link WebhookEvent}s, each channel by its own parser.
 * Pure functions: malformed JSON or a missing required field throws {@link marketplace.MarketParseException} naming
 * the field (the route answers 400).
 */
public final class WebhookParser {
  private WebhookParser() {}

  public static WebhookEvent shopee(byte[] body) {
    return ShopeePushes.read(body);
  }

  /** One entry of Shopee's get_lost_push_message, parsed as if it had been pushed. */
  public static WebhookEvent shopeeLostPush(JsonNode message) {
    return ShopeePushes.lostPush(message);
  }

  public static WebhookEvent tiktok(byte[] body) {
    return TikTokNotifications.read(body);
  }

  /** Every event of a (possibly batched) WhatsApp webhook, in the order they appear. */
  public static List<WebhookEvent> whatsApp(byte[] body) {
    return WhatsAppWebhooks.read(body);
  }
}

package marketplace;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** Sends approved template messages to buyers from a business number (WhatsApp), for {@link WhatsAppSender}. */
public interface TemplateMessages {

  /**
   * Completes with the platform's message id. Fails with {@link MarketCallException} when the platform refused or
   * could not be reached, and with {@link IllegalArgumentException} when {@code from} is not configured.
   *
   * @param to the buyer's phone number
   */
  CompletionStage<String> sendTemplateMessage(String from, String to, String template, String language,
      List<String> bodyParameters);
}

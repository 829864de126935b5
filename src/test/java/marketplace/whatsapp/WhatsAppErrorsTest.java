package marketplace.whatsapp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import marketplace.FailureClass;
import marketplace.whatsapp.WhatsAppErrors.Handling;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every WhatsApp row of the error table in docs/MARKETPLACES.md, code by code. */
class WhatsAppErrorsTest {

  @ParameterizedTest(name = "{0} (HTTP {1}) -> {2} / {3}")
  @CsvSource({
      "130429, 400, RETRY, RETRY",
      "131016, 503, RETRY, RETRY",
      "131000, 500, RETRY, RETRY",
      "131000, 400, RETRY, RETRY",
      "0, 500, RETRY, RETRY",
      "0, 503, RETRY, RETRY",
      "0, 429, RETRY, RETRY",
      "131056, 400, BACK_OFF_RECIPIENT, RETRY",
      "131057, 400, RETRY_LATER, RETRY",
      "80014, 400, CATALOG_THROTTLED, RETRY",
      "131047, 400, TEMPLATE_INSTEAD, UNKNOWN",
      "131026, 400, PERMANENT_MESSAGE, PERMANENT_LISTING",
      "131049, 400, PERMANENT_MESSAGE, PERMANENT_LISTING",
      "131050, 400, PERMANENT_MESSAGE, PERMANENT_LISTING",
      "131048, 400, PERMANENT_MESSAGE, PERMANENT_LISTING",
      "132000, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132001, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132005, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132007, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132012, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132015, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "132016, 400, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "190, 401, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "200, 403, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "299, 403, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "10, 403, PERMANENT_CONFIG, PERMANENT_CONFIG",
      "131009, 400, UNKNOWN, UNKNOWN",
      "0, 400, UNKNOWN, UNKNOWN",
      "300, 400, UNKNOWN, UNKNOWN"
  })
  void everyRowOfTheTable(int code, int status, Handling handling, FailureClass failureClass) {
    assertEquals(handling, WhatsAppErrors.classify(code, status));
    assertEquals(failureClass, WhatsAppErrors.classify(code, status).failureClass());
  }
}

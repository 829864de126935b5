package marketplace.tiktok;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.ShopGuard.Attempt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The TikTok rows of MARKETPLACES.md's error table, one row per code, through the client's classification. */
class TikTokErrorsTest {
  @ParameterizedTest
  @CsvSource({
      "36009002, RETRY", "36009003, RETRY", "36009007, RETRY",
      "105002, REFRESH_ONCE",
      "106001, PERMANENT_CONFIG", "36009004, PERMANENT_CONFIG", "105005, PERMANENT_CONFIG",
      "36009033, PERMANENT_CONFIG", "106013, PERMANENT_CONFIG",
      "12052393, PERMANENT_LISTING",
      "12019028, PERMANENT_CONFIG", "12052037, PERMANENT_CONFIG", "12052533, PERMANENT_CONFIG",
      "12019022, PERMANENT_CONFIG", "12052097, PERMANENT_CONFIG", "12052530, PERMANENT_CONFIG",
      "12052850, PERMANENT_LISTING", "12052849, PERMANENT_LISTING",
      "12019024, PERMANENT_LISTING", "12052055, PERMANENT_LISTING",
      "12052048, PERMANENT_LISTING", "12052556, PERMANENT_LISTING", "12052032, PERMANENT_LISTING",
      "12052260, PERMANENT_LISTING", "12052901, PERMANENT_LISTING",
      "25001011, DONE", "25001051, PERMANENT_LISTING", "25001045, PERMANENT_LISTING",
      "17019001, UNKNOWN"})
  void everyCodeHasItsClass(long code, FailureClass expected) {
    assertEquals(expected, TikTokErrors.of(code));
    Attempt<Object> a = TikTokClient.classify(reply(200, "{\"code\":" + code + ",\"message\":\"m\",\"data\":{}}", null),
        r -> r);
    if (expected == FailureClass.RETRY) {
      assertEquals(String.valueOf(code), assertInstanceOf(Attempt.Retry.class, a).code());
    } else {
      assertEquals(expected, assertInstanceOf(Attempt.Fail.class, a).failureClass());
    }
  }

  @ParameterizedTest
  @CsvSource({"429, false", "503, true", "500, true"})
  void throttlingAndOverloadRetryHonouringRetryAfter(int status, boolean unhealthy) {
    Attempt<Object> a = TikTokClient.classify(reply(status, "busy", "3"), r -> r);
    Attempt.Retry<?> retry = assertInstanceOf(Attempt.Retry.class, a);
    assertEquals(Duration.ofSeconds(3), retry.minDelay());
    assertEquals(unhealthy, retry.unhealthy());
    // the envelope of a 429 says 36009002: still a retry, with the wait
    Attempt.Retry<?> enveloped = assertInstanceOf(Attempt.Retry.class, TikTokClient.classify(
        reply(429, "{\"code\":36009002,\"message\":\"Too many requests\"}", "2"), r -> r));
    assertEquals(Duration.ofSeconds(2), enveloped.minDelay());
  }

  @Test
  void codeZeroIsOk() {
    assertInstanceOf(Attempt.Ok.class, TikTokClient.classify(reply(200, "{\"code\":0,\"data\":{}}", null), r -> r));
  }

  private static HttpCaller.Reply reply(int status, String body, String retryAfter) {
    return new HttpCaller.Reply(status, body.getBytes(StandardCharsets.UTF_8), Optional.ofNullable(retryAfter));
  }
}

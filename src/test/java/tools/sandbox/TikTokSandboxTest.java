package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;

/** The TikTok stand-in as MARKETPLACES.md describes the platform, driven with raw, self-signed HTTP. */
class TikTokSandboxTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SECRET = "sandbox-tiktok-app-secret";

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private HttpResponse<String> get(String path, long timestamp, String cipher, String token) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("app_key", "sandboxappkey");
    q.put("timestamp", Long.toString(timestamp));
    if (cipher != null) q.put("shop_cipher", cipher);
    q.put("ids", "none");
    q.put("sign", PlatformSignatures.tiktokRequest(SECRET, path, q, new byte[0]));
    String query = q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    return support.Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/tiktok" + path + "?" + query))
        .header("x-tts-access-token", token).GET().build());
  }

  private static long code(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).get("code").asLong();
  }

  @Test
  void timestampsAreAcceptedFromFiveMinutesBackToThirtySecondsAhead() throws Exception {
    long now = Instant.now().getEpochSecond();
    String token = "sandbox-tiktok-access-token";
    assertEquals(0, code(get("/order/202309/orders", now - 290, "sandbox-cipher", token)));
    assertEquals(0, code(get("/order/202309/orders", now + 20, "sandbox-cipher", token)));
    assertEquals(36009004, code(get("/order/202309/orders", now - 310, "sandbox-cipher", token)));
    assertEquals(36009004, code(get("/order/202309/orders", now + 40, "sandbox-cipher", token)));
  }

  @Test
  void shopApisNeedTheShopCipherAndTheAuthorizedShopsListItWithoutOne() throws Exception {
    long now = Instant.now().getEpochSecond();
    String token = "sandbox-tiktok-access-token";
    assertEquals(106013, code(get("/order/202309/orders", now, null, token)));
    assertEquals(106013, code(get("/order/202309/orders", now, "other-cipher", token)));
    JsonNode shops = JSON.readTree(get("/authorization/202309/shops", now, null, token).body());
    assertEquals("sandbox-cipher", shops.at("/data/shops/0/cipher").asText(), shops.toString());
    assertEquals("7001", shops.at("/data/shops/0/id").asText());
  }

  @Test
  void tokensExpireByTimeAndTheRefreshOnTheAuthPathIssuesANewOne() throws Exception {
    long now = Instant.now().getEpochSecond();
    assertEquals(105002, code(get("/order/202309/orders", now, "sandbox-cipher", "not-a-token")));
    fx.sandbox.expireTikTokAccessToken("7001");
    HttpResponse<String> expired = get("/order/202309/orders", now, "sandbox-cipher", "sandbox-tiktok-access-token");
    assertEquals(401, expired.statusCode());
    assertEquals(105002, code(expired));
    String refresh = fx.sandbox.baseUrl() + "/tiktok/auth/api/v2/token/refresh?app_key=sandboxappkey&app_secret="
        + SECRET + "&grant_type=refresh_token&refresh_token=";
    assertNotEquals(0, code(support.Http.get(refresh + "spent")));
    JsonNode ok = JSON.readTree(support.Http.get(refresh + "sandbox-tiktok-refresh-token").body());
    assertEquals(0, ok.get("code").asLong(), ok.toString());
    long expiresAt = ok.at("/data/access_token_expire_in").asLong();
    assertTrue(expiresAt > now + 6 * 86400 && expiresAt < now + 8 * 86400, "absolute unix time, 7 days ahead");
    assertEquals(0, code(get("/order/202309/orders", now, "sandbox-cipher", ok.at("/data/access_token").asText())));
  }

  @Test
  void rateLimitFaultIsHttp429InTikToksEnvelope() throws Exception {
    fx.sandbox.injectPlatformError(common.Channel.TIKTOK, "/orders", "36009002", 1);
    HttpResponse<String> r = get("/order/202309/orders", Instant.now().getEpochSecond(), "sandbox-cipher",
        "sandbox-tiktok-access-token");
    assertEquals(429, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertEquals(36009002, body.get("code").asLong());
    assertTrue(body.has("request_id") && body.has("message") && body.has("data"), body.toString());
  }

  @Test
  void theRateLimitPerApiAndShopAnswers429With36009002() throws Exception {
    fx.sandbox.setTikTokRateLimit(3);
    long now = Instant.now().getEpochSecond();
    int limited = 0;
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = get("/order/202309/orders", now, "sandbox-cipher", "sandbox-tiktok-access-token");
      if (r.statusCode() == 429) {
        assertEquals(36009002, code(r));
        limited++;
      }
    }
    assertTrue(limited >= 2, "at most 3 a second (two windows at worst): " + limited);
  }
}

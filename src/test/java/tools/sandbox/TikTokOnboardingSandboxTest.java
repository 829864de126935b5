package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;
import static tools.sandbox.OnboardingFixture.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TikTok Shop's authorisation as MARKETPLACES.md describes it: page, auth code, token get, webhooks 6 and 7. */
class TikTokOnboardingSandboxTest {
  static OnboardingFixture fx;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sandboxappkey";
  static final String SECRET = "sandbox-tiktok-app-secret";
  static final String REGISTERED = "http://127.0.0.1:8080/shops/tiktok/authorized";

  @BeforeEach
  void fresh() throws Exception {
    if (fx == null) fx = new OnboardingFixture();
    fx.reset();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static HttpResponse<String> authorize(String state) throws Exception {
    return get(fx.url("/tiktok/open/authorize?service_id=sandbox-service&state=" + state));
  }

  static String codeOf(HttpResponse<String> redirect) {
    Matcher m = Pattern.compile("[?&]code=([^&]+)").matcher(redirect.headers().firstValue("Location").orElseThrow());
    assertTrue(m.find(), "a code in the redirect");
    return m.group(1);
  }

  static JsonNode tokenGet(String secret, String code, String grant) throws Exception {
    return JSON.readTree(get(fx.url("/tiktok/auth/api/v2/token/get?app_key=" + KEY + "&app_secret=" + secret
        + "&auth_code=" + code + "&grant_type=" + grant)).body());
  }

  static JsonNode refresh(String refreshToken) throws Exception {
    return JSON.readTree(get(fx.url("/tiktok/auth/api/v2/token/refresh?app_key=" + KEY + "&app_secret=" + SECRET
        + "&refresh_token=" + refreshToken + "&grant_type=refresh_token")).body());
  }

  /** A signed API call with the token in x-tts-access-token; {@code cipher} null for the authorized-shops list. */
  static JsonNode api(String path, String cipher, String token) throws Exception {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("app_key", KEY);
    q.put("timestamp", Long.toString(Instant.now().getEpochSecond()));
    if (cipher != null) q.put("shop_cipher", cipher);
    if (cipher != null) q.put("ids", "none");
    q.put("sign", PlatformSignatures.tiktokRequest(SECRET, path, q, new byte[0]));
    String query = q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    return JSON.readTree(get(fx.url("/tiktok" + path + "?" + query), Map.of("x-tts-access-token", token)).body());
  }

  static JsonNode orders(String cipher, String token) throws Exception {
    return api("/order/202309/orders", cipher, token);
  }

  static JsonNode verifiedWebhook(OnboardingFixture.Push push) throws Exception {
    assertEquals(PlatformSignatures.tiktokWebhook(SECRET, KEY, push.body().getBytes(StandardCharsets.UTF_8)),
        push.authorization());
    return JSON.readTree(push.body());
  }

  @Test
  void theSellerAuthorisesASellableShopAndItsTokenCoversItsApis() throws Exception {
    fx.sandbox.setTikTokAuthorizingShops("7002");
    fx.sandbox.setTikTokTokenLifetime(Duration.ofHours(1));
    assertEquals(105002, orders("cipher-7002", "no-token-yet").get("code").asLong());
    HttpResponse<String> redirect = authorize("s-123");
    assertEquals(302, redirect.statusCode());
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith(REGISTERED + "?code="), location);
    assertTrue(location.endsWith("&state=s-123"), location);

    String code = codeOf(redirect);
    JsonNode answer = tokenGet(SECRET, code, "authorized_code");
    assertEquals(0, answer.get("code").asLong(), answer.toString());
    JsonNode data = answer.get("data");
    long now = Instant.now().getEpochSecond();
    assertTrue(Math.abs(data.get("access_token_expire_in").asLong() - (now + 3600)) < 10, "absolute, set lifetime");
    assertTrue(data.get("refresh_token_expire_in").asLong() > now + 86400);
    assertEquals("Second Store UK", data.get("seller_name").asText());
    assertEquals("UK", data.get("seller_base_region").asText());
    assertEquals(0, data.get("user_type").asInt());
    assertTrue(data.get("open_id").isTextual() && data.get("granted_scopes").isArray());
    assertNotEquals(0, tokenGet(SECRET, code, "authorized_code").get("code").asLong(), "single use");
    String token = data.get("access_token").asText();

    JsonNode shops = api("/authorization/202309/shops", null, token);
    assertEquals(1, shops.at("/data/shops").size(), shops.toString());
    assertEquals("7002", shops.at("/data/shops/0/id").asText());
    assertEquals("cipher-7002", shops.at("/data/shops/0/cipher").asText());
    assertEquals("UK", shops.at("/data/shops/0/region").asText());
    assertEquals(0, orders("cipher-7002", token).get("code").asLong());
    assertEquals(106013, orders("sandbox-cipher", token).get("code").asLong(), "7001 is not covered");

    JsonNode refreshed = refresh(data.get("refresh_token").asText());
    assertEquals(0, refreshed.get("code").asLong(), refreshed.toString());
    assertEquals(1, fx.sandbox.tiktokRefreshCount("7002"));
    assertEquals(0, fx.sandbox.tiktokRefreshCount("7001"));
    assertEquals(0, orders("cipher-7002", refreshed.at("/data/access_token").asText()).get("code").asLong());
  }

  @Test
  void codesAreSingleUseAndTheAppsCredentialsAndGrantTypeAreChecked() throws Exception {
    String code = codeOf(authorize("s"));
    assertEquals(106001, tokenGet("wrong-secret", code, "authorized_code").get("code").asLong());
    assertEquals(36009004, tokenGet(SECRET, code, "refresh_token").get("code").asLong());
    assertEquals(0, tokenGet(SECRET, code, "authorized_code").get("code").asLong());
    assertNotEquals(0, tokenGet(SECRET, code, "authorized_code").get("code").asLong(), "reused code");
    assertNotEquals(0, tokenGet(SECRET, "unknown", "authorized_code").get("code").asLong());
    assertThrows(IllegalArgumentException.class, () -> fx.sandbox.setTikTokAuthorizingShops("9999"));
  }

  @Test
  void oneAuthorisationMayCoverSeveralShops() throws Exception {
    fx.sandbox.setTikTokAuthorizingShops("7001", "7002");
    String token = tokenGet(SECRET, codeOf(authorize("s")), "authorized_code").at("/data/access_token").asText();
    assertEquals(2, api("/authorization/202309/shops", null, token).at("/data/shops").size());
    assertEquals(0, orders("sandbox-cipher", token).get("code").asLong());
    assertEquals(0, orders("cipher-7002", token).get("code").asLong());
  }

  @Test
  void aRefusalRedirectsWithAuthDeniedAndNoCode() throws Exception {
    fx.sandbox.denyTikTokAuthorization(true);
    String location = authorize("s-9").headers().firstValue("Location").orElseThrow();
    assertEquals(REGISTERED + "?error=auth_denied&state=s-9", location);
  }

  @Test
  void deauthorisationEndsTheTokensSendsWebhook6AndTheShopCanComeBack() throws Exception {
    assertEquals(0, orders("sandbox-cipher", "sandbox-tiktok-access-token").get("code").asLong());
    assertEquals(200, fx.sandbox.deauthorizeTikTok("7001", fx.callbackUrl).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).status());
    JsonNode webhook = verifiedWebhook(fx.nextPush("\"type\":6,"));
    assertEquals(6, webhook.get("type").asInt());
    assertEquals("7001", webhook.get("shop_id").asText());
    assertTrue(webhook.at("/data/message").asText().contains("7001"));
    assertTrue(webhook.get("tts_notification_id").isTextual());
    assertEquals(105002, orders("sandbox-cipher", "sandbox-tiktok-access-token").get("code").asLong());
    assertNotEquals(0, refresh("sandbox-tiktok-refresh-token").get("code").asLong());

    JsonNode again = tokenGet(SECRET, codeOf(authorize("s")), "authorized_code");
    assertEquals(0, orders("sandbox-cipher", again.at("/data/access_token").asText()).get("code").asLong());
    assertEquals(0, refresh(again.at("/data/refresh_token").asText()).get("code").asLong());
  }

  @Test
  void webhook7AnnouncesTheEndOfTheAuthorisation() throws Exception {
    Instant end = Instant.now().plus(Duration.ofDays(30));
    fx.sandbox.sendTikTokAuthExpiring(fx.callbackUrl, "7001", end).toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonNode webhook = verifiedWebhook(fx.nextPush("\"type\":7,"));
    assertEquals(7, webhook.get("type").asInt());
    assertTrue(webhook.at("/data/expiration_time").isTextual());
    assertEquals(Long.toString(end.getEpochSecond()), webhook.at("/data/expiration_time").asText());
    assertTrue(webhook.at("/data/message").asText().contains("7001"));
  }

  @Test
  void resetRestoresTheDefaults() throws Exception {
    fx.sandbox.setTikTokAuthorizingShops("7002");
    String token = tokenGet(SECRET, codeOf(authorize("s")), "authorized_code").at("/data/access_token").asText();
    fx.sandbox.deauthorizeTikTok("7001", fx.callbackUrl).toCompletableFuture().get(10, TimeUnit.SECONDS);
    fx.sandbox.denyTikTokAuthorization(true);
    fx.reset();
    assertEquals(105002, orders("cipher-7002", token).get("code").asLong());
    assertEquals(0, orders("sandbox-cipher", "sandbox-tiktok-access-token").get("code").asLong());
    assertEquals(0, fx.sandbox.tiktokRefreshCount("7002"));
    String code = codeOf(authorize("s"));
    String fresh = tokenGet(SECRET, code, "authorized_code").at("/data/access_token").asText();
    assertEquals("7001", api("/authorization/202309/shops", null, fresh).at("/data/shops/0/id").asText());
  }
}

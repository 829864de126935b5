package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;
import static tools.sandbox.OnboardingFixture.get;
import static tools.sandbox.OnboardingFixture.postAsync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.sandbox.Sandbox.Delivery;

/** Shopee's onboarding as MARKETPLACES.md describes it: authorisation page, code, tokens, pushes 1, 2 and 12. */
class ShopeeOnboardingSandboxTest {
  static OnboardingFixture fx;
  static final ObjectMapper JSON = new ObjectMapper();
  static final long PARTNER = 2001;
  static final String KEY = "sandbox-shopee-partner-key";
  static final String REDIRECT = "https://orders.example.com/shopee/authorized?state=abc";

  @BeforeEach
  void fresh() throws Exception {
    if (fx == null) fx = new OnboardingFixture();
    fx.reset();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static String publicQuery(String path, long ts) {
    return "?partner_id=" + PARTNER + "&timestamp=" + ts + "&sign=" + PlatformSignatures.shopeePublic(KEY, PARTNER, path, ts);
  }

  static HttpResponse<String> page(String path, String redirect) throws Exception {
    String url = fx.url("/shopee" + path + publicQuery(path, Instant.now().getEpochSecond()))
        + (redirect == null ? "" : "&redirect=" + URLEncoder.encode(redirect, StandardCharsets.UTF_8));
    return get(url);
  }

  static HttpResponse<String> authorize() throws Exception {
    return page("/api/v2/shop/auth_partner", REDIRECT);
  }

  static String codeOf(HttpResponse<String> redirect) {
    Matcher m = Pattern.compile("code=([^&]+)").matcher(redirect.headers().firstValue("Location").orElseThrow());
    assertTrue(m.find(), "a code in the redirect");
    return m.group(1);
  }

  static JsonNode post(String path, String body) throws Exception {
    String url = fx.url("/shopee" + path + publicQuery(path, Instant.now().getEpochSecond()));
    return JSON.readTree(postAsync(url, body).get(10, TimeUnit.SECONDS).body());
  }

  static JsonNode tokenGet(String code, String shopId) throws Exception {
    return post("/api/v2/auth/token/get", "{\"code\":\"" + code + "\",\"partner_id\":2001,\"shop_id\":" + shopId + "}");
  }

  static String refreshBody(String token, String shopId) {
    return "{\"refresh_token\":\"" + token + "\",\"partner_id\":2001,\"shop_id\":" + shopId + "}";
  }

  static JsonNode refresh(String token, String shopId) throws Exception {
    return post("/api/v2/auth/access_token/get", refreshBody(token, shopId));
  }

  static JsonNode shopCall(String shopId, String token) throws Exception {
    long ts = Instant.now().getEpochSecond();
    String path = "/api/v2/order/get_order_detail";
    String sign = PlatformSignatures.shopeeShop(KEY, PARTNER, path, ts, token, Long.parseLong(shopId));
    return JSON.readTree(get(fx.url("/shopee" + path + "?partner_id=" + PARTNER + "&timestamp=" + ts
        + "&access_token=" + token + "&shop_id=" + shopId + "&sign=" + sign + "&order_sn_list=X")).body());
  }

  static JsonNode verifiedPush(OnboardingFixture.Push push, String signedUrl) throws Exception {
    assertEquals(PlatformSignatures.shopeePush(KEY, signedUrl, push.body().getBytes(StandardCharsets.UTF_8)),
        push.authorization(), "signed with the push key over the callback URL");
    return JSON.readTree(push.body());
  }

  @Test
  void theSellerAuthorisesASellableShopAndTheCodeBuysItsTokens() throws Exception {
    fx.sandbox.setShopeeAuthorizingShop("1002");
    assertEquals("error_auth", shopCall("1002", "no-token-yet").get("error").asText(), "no tokens before onboarding");
    HttpResponse<String> redirect = authorize();
    assertEquals(302, redirect.statusCode());
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith(REDIRECT + "&code="), location);
    assertTrue(location.endsWith("&shop_id=1002"), location);

    JsonNode push = verifiedPush(fx.nextPush("\"code\":1,"), fx.callbackUrl);
    assertEquals(1, push.get("code").asInt());
    assertEquals(PARTNER, push.get("partner_id").asLong());
    assertFalse(push.has("shop_id"), "partner level: no top-level shop_id");
    assertEquals(1002, push.at("/data/shop_id").asLong());
    assertEquals(1, push.at("/data/success").asInt());
    assertTrue(push.at("/data/authorize_type").isTextual() && push.at("/data/extra").isTextual());

    String code = codeOf(redirect);
    JsonNode tokens = tokenGet(code, "1002");
    assertEquals("", tokens.get("error").asText(), tokens.toString());
    assertEquals(14400, tokens.get("expire_in").asInt());
    assertEquals("", shopCall("1002", tokens.get("access_token").asText()).get("error").asText());
    assertEquals("error_auth", tokenGet(code, "1002").get("error").asText(), "codes are single use");

    JsonNode refreshed = refresh(tokens.get("refresh_token").asText(), "1002");
    assertEquals("", refreshed.get("error").asText());
    assertEquals(1, fx.sandbox.shopeeRefreshCount("1002"));
    assertEquals(0, fx.sandbox.shopeeRefreshCount("1001"));
    assertEquals("", shopCall("1002", refreshed.get("access_token").asText()).get("error").asText());
  }

  @Test
  void theAuthorisationPageRefusesBadLinksAsShopeeDoes() throws Exception {
    assertEquals(400, page("/api/v2/shop/auth_partner", null).statusCode(), "redirect is required");
    assertEquals("error_param", JSON.readTree(page("/api/v2/shop/auth_partner", null).body()).get("error").asText());
    long old = Instant.now().getEpochSecond() - 400;
    HttpResponse<String> stale = get(fx.url("/shopee/api/v2/shop/auth_partner"
        + publicQuery("/api/v2/shop/auth_partner", old) + "&redirect=https://x.example/"));
    assertEquals(403, stale.statusCode());
    assertEquals("error_param", JSON.readTree(stale.body()).get("error").asText());
    // Signed for another path: the sign covers the page's own path.
    long ts = Instant.now().getEpochSecond();
    HttpResponse<String> badSign = get(fx.url("/shopee/api/v2/shop/auth_partner"
        + publicQuery("/api/v2/auth/token/get", ts) + "&redirect=https://x.example/"));
    assertEquals(403, badSign.statusCode());
    assertEquals("error_sign", JSON.readTree(badSign.body()).get("error").asText());
    assertThrows(IllegalArgumentException.class, () -> fx.sandbox.setShopeeAuthorizingShop("9999"));
    HttpResponse<String> plain = page("/api/v2/shop/auth_partner", "https://x.example/cb");
    assertTrue(plain.headers().firstValue("Location").orElseThrow().startsWith("https://x.example/cb?code="));
    assertTrue(plain.headers().firstValue("Location").orElseThrow().endsWith("&shop_id=1001"), "default shop");
  }

  @Test
  void deauthorisationEndsBothTokensAtOncePushesCode2AndTheShopCanComeBack() throws Exception {
    String access = fx.sandbox.shopeeAccessToken("1001");
    assertEquals("", shopCall("1001", access).get("error").asText());
    Delivery delivery = fx.sandbox.deauthorizeShopee("1001", fx.callbackUrl).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(200, delivery.status());
    JsonNode push = verifiedPush(fx.nextPush("\"code\":2,"), fx.callbackUrl);
    assertEquals(2, push.get("code").asInt());
    assertFalse(push.has("shop_id"));
    assertEquals(PARTNER, push.get("partner_id").asLong());
    assertEquals("user cancel shop authorization", push.at("/data/authorize_type").asText());
    assertEquals(1001, push.at("/data/shopid").asLong());
    assertEquals(1, push.at("/data/success").asInt());

    JsonNode call = shopCall("1001", access);
    assertEquals("error_auth", call.get("error").asText());
    assertEquals("Invalid access_token.", call.get("message").asText());
    JsonNode refresh = refresh("sandbox-shopee-refresh-token", "1001");
    assertEquals("error_auth", refresh.get("error").asText());
    assertEquals("Invalid refresh_token.", refresh.get("message").asText());
    assertEquals(0, fx.sandbox.shopeeRefreshTokenReuses(), "a revoked token is not a reused one");

    JsonNode tokens = tokenGet(codeOf(authorize()), "1001");
    assertEquals("", shopCall("1001", tokens.get("access_token").asText()).get("error").asText(), "re-authorised");
    assertEquals("", refresh(tokens.get("refresh_token").asText(), "1001").get("error").asText());
  }

  @Test
  void theCancelPageDeauthorisesTheShopAndRedirects() throws Exception {
    fx.sandbox.setShopeeAuthorizingShop("1002");
    JsonNode tokens = tokenGet(codeOf(authorize()), "1002");
    fx.nextPush("\"code\":1,");
    HttpResponse<String> cancel = page("/api/v2/shop/cancel_auth_partner", REDIRECT);
    assertEquals(302, cancel.statusCode());
    assertEquals(REDIRECT, cancel.headers().firstValue("Location").orElseThrow());
    JsonNode push = verifiedPush(fx.nextPush("\"code\":2,"), fx.callbackUrl);
    assertEquals(2, push.get("code").asInt());
    assertEquals(1002, push.at("/data/shopid").asLong());
    assertEquals("error_auth", shopCall("1002", tokens.get("access_token").asText()).get("error").asText());
    assertEquals("error_auth", refresh(tokens.get("refresh_token").asText(), "1002").get("error").asText());
    assertEquals(0, fx.sandbox.shopeeRefreshTokenReuses());
  }

  @Test
  void code12ListsTheShopsWhoseAuthorisationEndsSoon() throws Exception {
    Instant before = Instant.now().plusSeconds(7 * 86400);
    fx.sandbox.sendShopeeAuthExpiry(fx.callbackUrl, List.of("1001", "1002"), before).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    JsonNode push = verifiedPush(fx.nextPush("\"code\":12,"), fx.callbackUrl);
    assertEquals(12, push.get("code").asInt());
    assertFalse(push.has("shop_id") || push.has("partner_id"), push.toString());
    assertEquals("[1001,1002]", push.at("/data/shop_expire_soon").toString());
    assertEquals("[]", push.at("/data/merchant_expire_soon").toString());
    assertEquals("[]", push.at("/data/user_expire_soon").toString());
    assertEquals(before.getEpochSecond(), push.at("/data/expire_before").asLong());
    assertEquals(1, push.at("/data/page_no").asInt());
    assertEquals(1, push.at("/data/total_page").asInt());
  }

  @Test
  void aRefreshHeldBeforeShopeeProcessedItCanBeDroppedAndTheOldTokenStillWorks() throws Exception {
    fx.sandbox.holdShopeeRefreshes(false);
    CompletableFuture<HttpResponse<String>> held = postAsync(refreshUrl(), refreshBody("sandbox-shopee-refresh-token",
        "1001"));
    awaitHeld(1);
    assertEquals(0, fx.sandbox.shopeeRefreshCount("1001"), "not processed while held");
    fx.sandbox.releaseShopeeRefreshes(false);
    assertTrue(held.get(10, TimeUnit.SECONDS).statusCode() >= 500);
    assertEquals(0, fx.sandbox.shopeeRefreshesHeld());
    assertEquals("", refresh("sandbox-shopee-refresh-token", "1001").get("error").asText(), "never rotated");
    assertEquals(0, fx.sandbox.shopeeRefreshTokenReuses());
  }

  @Test
  void aRefreshHeldAfterTheRotationLosesItsAnswerAndTheSpentTokenIsAReuse() throws Exception {
    fx.sandbox.holdShopeeRefreshes(true);
    CompletableFuture<HttpResponse<String>> held = postAsync(refreshUrl(), refreshBody("sandbox-shopee-refresh-token",
        "1001"));
    awaitHeld(1);
    assertEquals(1, fx.sandbox.shopeeRefreshCount("1001"), "rotated on arrival");
    fx.sandbox.releaseShopeeRefreshes(false);
    assertTrue(held.get(10, TimeUnit.SECONDS).statusCode() >= 500);
    assertEquals("error_auth", refresh("sandbox-shopee-refresh-token", "1001").get("error").asText());
    assertEquals(1, fx.sandbox.shopeeRefreshTokenReuses());
  }

  @Test
  void releasedRefreshesAreAnswered() throws Exception {
    fx.sandbox.holdShopeeRefreshes(false);
    CompletableFuture<HttpResponse<String>> held = postAsync(refreshUrl(), refreshBody("sandbox-shopee-refresh-token",
        "1001"));
    awaitHeld(1);
    fx.sandbox.releaseShopeeRefreshes(true);
    JsonNode answer = JSON.readTree(held.get(10, TimeUnit.SECONDS).body());
    assertEquals("", answer.get("error").asText());
    assertEquals(1, fx.sandbox.shopeeRefreshCount("1001"));
    assertEquals("", refresh(answer.get("refresh_token").asText(), "1001").get("error").asText(), "not held any more");
  }

  @Test
  void resetRestoresTheDefaults() throws Exception {
    fx.sandbox.setShopeeAuthorizingShop("1002");
    JsonNode tokens = tokenGet(codeOf(authorize()), "1002");
    fx.sandbox.deauthorizeShopee("1001", fx.callbackUrl).toCompletableFuture().get(10, TimeUnit.SECONDS);
    fx.sandbox.holdShopeeRefreshes(false);
    fx.reset();
    assertEquals(0, fx.sandbox.shopeeRefreshesHeld());
    assertEquals("error_auth", shopCall("1002", tokens.get("access_token").asText()).get("error").asText());
    assertEquals("", shopCall("1001", "sandbox-shopee-access-token").get("error").asText());
    assertEquals("", refresh("sandbox-shopee-refresh-token", "1001").get("error").asText(), "not held, preset token");
    assertTrue(authorize().headers().firstValue("Location").orElseThrow().endsWith("&shop_id=1001"));
  }

  static String refreshUrl() {
    String path = "/api/v2/auth/access_token/get";
    return fx.url("/shopee" + path + publicQuery(path, Instant.now().getEpochSecond()));
  }

  static void awaitHeld(int n) throws InterruptedException {
    for (int i = 0; i < 100 && fx.sandbox.shopeeRefreshesHeld() < n; i++) Thread.sleep(50);
    assertEquals(n, fx.sandbox.shopeeRefreshesHeld());
  }
}

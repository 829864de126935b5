package marketplace.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignaturesTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void tiktokOfficialVectorSignedStringAndSign() {
    Map<String, String> query = Map.of("timestamp", "1623812664", "app_key", "29a39d");
    byte[] signed = Signatures.tiktokSignedBytes("/authorization/202309/shops", query, new byte[0]);
    assertEquals("/authorization/202309/shopsapp_key29a39dtimestamp1623812664", new String(signed, StandardCharsets.UTF_8));
    assertEquals("b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
        Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shops", query, null));
  }

  @Test
  void tiktokSignIgnoresSignAndAccessTokenButNotOtherParamsOrBody() {
    Map<String, String> query = Map.of("timestamp", "1623812664", "app_key", "29a39d");
    String base = Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shops", query, null);
    assertEquals(base, Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shops",
        Map.of("timestamp", "1623812664", "app_key", "29a39d", "sign", "x", "access_token", "y"), null));
    assertNotEquals(base, Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shops",
        Map.of("timestamp", "1623812664", "app_key", "29a39d", "shop_cipher", "c"), null));
    assertNotEquals(base, Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shops", query, bytes("{}")));
    assertNotEquals(base, Signatures.tiktokRequestSign("wrong", "/authorization/202309/shops", query, null));
    assertNotEquals(base, Signatures.tiktokRequestSign("e59af819cc", "/authorization/202309/shop", query, null));
  }

  @Test
  void whatsAppCheckVector() {
    assertEquals("0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
        Signatures.hmacHex("secret", bytes("test")));
    String header = Signatures.whatsAppSignatureHeader("secret", bytes("test"));
    assertEquals("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914", header);
    assertTrue(Signatures.verifyWhatsApp("secret", bytes("test"), header));
  }

  @Test
  void whatsAppNegatives() {
    String header = Signatures.whatsAppSignatureHeader("secret", bytes("test"));
    assertFalse(Signatures.verifyWhatsApp("other", bytes("test"), header), "wrong key");
    assertFalse(Signatures.verifyWhatsApp("secret", bytes("test "), header), "changed body");
    assertFalse(Signatures.verifyWhatsApp("secret", bytes("test"), null), "missing header");
    assertFalse(Signatures.verifyWhatsApp("secret", bytes("test"), header.substring(7)), "missing sha256= prefix");
    assertFalse(Signatures.verifyWhatsApp("secret", bytes("test"), "sha256="), "empty signature");
  }

  @Test
  void shopeeShopAndPublicSignConcatenation() {
    String shop = Signatures.shopeeShopSign("key", 2001, "/api/v2/order/get_order_detail", 1660000000L, "tok", 77);
    assertEquals(Signatures.hmacHex("key", "2001/api/v2/order/get_order_detail1660000000tok77"), shop);
    String pub = Signatures.shopeePublicSign("key", 2001, "/api/v2/auth/access_token/get", 1660000000L);
    assertEquals(Signatures.hmacHex("key", "2001/api/v2/auth/access_token/get1660000000"), pub);
    assertEquals(64, shop.length());
    assertNotEquals(shop, Signatures.shopeeShopSign("key", 2001, "/api/v2/order/get_order_list", 1660000000L, "tok", 77));
    assertNotEquals(shop, Signatures.shopeeShopSign("key2", 2001, "/api/v2/order/get_order_detail", 1660000000L, "tok", 77));
  }

  @Test
  void shopeePushVerification() {
    String url = "https://example.com/webhooks/shopee";
    byte[] body = bytes("{\"code\":3,\"shop_id\":77}");
    String auth = Signatures.shopeePushSign("push", url, body);
    assertEquals(Signatures.hmacHex("push", url + "|" + "{\"code\":3,\"shop_id\":77}"), auth);
    assertTrue(Signatures.verifyShopeePush("push", url, body, auth));
    assertTrue(Signatures.verifyShopeePush("push", url, body, auth.toUpperCase()), "hex is case-insensitive");
    assertFalse(Signatures.verifyShopeePush("other", url, body, auth), "wrong key");
    assertFalse(Signatures.verifyShopeePush("push", url, bytes("{\"code\":3,\"shop_id\":78}"), auth), "changed body");
    assertFalse(Signatures.verifyShopeePush("push", url + "/", body, auth), "changed URL");
    assertFalse(Signatures.verifyShopeePush("push", url, body, null), "missing header");
  }

  @Test
  void tiktokWebhookVerification() {
    byte[] body = bytes("{\"type\":1}");
    String auth = Signatures.tiktokWebhookSign("secret", "appkey", body);
    assertEquals(Signatures.hmacHex("secret", "appkey{\"type\":1}"), auth);
    assertTrue(Signatures.verifyTikTokWebhook("secret", "appkey", body, auth));
    assertFalse(Signatures.verifyTikTokWebhook("wrong", "appkey", body, auth), "wrong key");
    assertFalse(Signatures.verifyTikTokWebhook("secret", "otherkey", body, auth), "wrong app key");
    assertFalse(Signatures.verifyTikTokWebhook("secret", "appkey", bytes("{\"type\":11}"), auth), "changed body");
    assertFalse(Signatures.verifyTikTokWebhook("secret", "appkey", body, null), "missing header");
  }

  @Test
  void rawBytesAreSignedNotReserializedJson() {
    // Same JSON meaning, different bytes: the signatures must differ.
    assertNotEquals(Signatures.tiktokWebhookSign("s", "k", bytes("{\"a\":1}")),
        Signatures.tiktokWebhookSign("s", "k", bytes("{ \"a\": 1 }")));
  }
}

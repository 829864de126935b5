package tools.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox's own signatures against the platforms' published worked examples (not against our clients). */
class PlatformSignaturesTest {
  @Test
  void tiktokRequestSignMatchesTheOfficialExample() {
    // TikTok Shop's "sign your API request" example: app_secret e59af819cc, GET /authorization/202309/shops
    assertEquals("b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
        PlatformSignatures.tiktokRequest("e59af819cc", "/authorization/202309/shops",
            Map.of("app_key", "29a39d", "timestamp", "1623812664", "sign", "ignored", "access_token", "ignored"),
            new byte[0]));
  }

  @Test
  void whatsAppSignatureMatchesMetasCheckVector() {
    assertEquals("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
        PlatformSignatures.whatsAppHeader("secret", "test".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void shopeeSignsThePlainConcatenation() {
    assertEquals(PlatformSignatures.hmac("key", "1001/api/v2/product/get_item_list1700000000tok2002"
            .getBytes(StandardCharsets.UTF_8)),
        PlatformSignatures.shopeeShop("key", 1001, "/api/v2/product/get_item_list", 1700000000, "tok", 2002));
    assertEquals(PlatformSignatures.hmac("key", "1001/api/v2/auth/token/get1700000000".getBytes(StandardCharsets.UTF_8)),
        PlatformSignatures.shopeePublic("key", 1001, "/api/v2/auth/token/get", 1700000000));
  }

  @Test
  void aSignatureMatchesOnlyItself() {
    String sign = PlatformSignatures.tiktokWebhook("secret", "app", "{}".getBytes(StandardCharsets.UTF_8));
    assertTrue(PlatformSignatures.same(sign, sign.toUpperCase()));
    assertFalse(PlatformSignatures.same(sign, sign.substring(1) + "0"));
    assertFalse(PlatformSignatures.same(sign, null));
  }
}

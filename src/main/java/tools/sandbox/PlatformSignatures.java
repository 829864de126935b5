package tools.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The platforms' signatures as the platforms compute them, written from their published rules (the project's
 * contract notes: HMAC-SHA256, keys as UTF-8 bytes, lowercase hex, over the raw bytes), never from the service's
 * clients: a client that signs wrongly is refused here as the platform would refuse it. Checked against the
 * platforms' own worked examples in PlatformSignaturesTest.
 */
final class PlatformSignatures {
  private PlatformSignatures() {}

  /** Shopee shop API: {@code partner_id + api_path + timestamp + access_token + shop_id}. */
  static String shopeeShop(String partnerKey, long partnerId, String apiPath, long timestamp, String accessToken,
                           long shopId) {
    return hmac(partnerKey, bytes("" + partnerId + apiPath + timestamp + accessToken + shopId));
  }

  /** Shopee public (partner-level) API: {@code partner_id + api_path + timestamp}. */
  static String shopeePublic(String partnerKey, long partnerId, String apiPath, long timestamp) {
    return hmac(partnerKey, bytes("" + partnerId + apiPath + timestamp));
  }

  /** Shopee push, header Authorization: {@code callback_url + "|" + raw_body} under the push key. */
  static String shopeePush(String pushKey, String callbackUrl, byte[] rawBody) {
    return hmac(pushKey, join(bytes(callbackUrl + "|"), rawBody));
  }

  /**
   * TikTok Shop request: query parameters but {@code sign} and {@code access_token} sorted by key as key + value,
   * between the path and the raw body, the whole wrapped in the app secret on both sides.
   */
  static String tiktokRequest(String appSecret, String path, Map<String, String> query, byte[] rawBody) {
    StringBuilder signed = new StringBuilder(appSecret).append(path);
    new TreeMap<>(query).forEach((key, value) -> {
      if (!key.equals("sign") && !key.equals("access_token")) signed.append(key).append(value);
    });
    byte[] body = rawBody == null ? new byte[0] : rawBody;
    return hmac(appSecret, join(join(bytes(signed.toString()), body), bytes(appSecret)));
  }

  /** TikTok Shop webhook, header Authorization: {@code app_key + raw_body} under the app secret. */
  static String tiktokWebhook(String appSecret, String appKey, byte[] rawBody) {
    return hmac(appSecret, join(bytes(appKey), rawBody));
  }

  /** WhatsApp Cloud API webhook header {@code X-Hub-Signature-256}: {@code sha256=} + HMAC of the raw body. */
  static String whatsAppHeader(String appSecret, byte[] rawBody) {
    return "sha256=" + hmac(appSecret, rawBody);
  }

  /** Constant-time comparison, as the platforms compare (a missing signature never matches). */
  static boolean same(String expected, String given) {
    return given != null && MessageDigest.isEqual(bytes(expected), bytes(given.toLowerCase()));
  }

  static String hmac(String key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(bytes(key), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] join(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

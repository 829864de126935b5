package marketplace.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Request and webhook signatures of Shopee, TikTok Shop and WhatsApp (MARKETPLACES.md). HMAC-SHA256 over the raw
 * bytes as sent or received, keys as UTF-8 bytes, lowercase hex; verification compares in constant time.
 */
public final class Signatures {
  private static final HexFormat HEX = HexFormat.of();

  private Signatures() {}

  public static String hmacHex(String key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HEX.formatHex(mac.doFinal(message));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public static String hmacHex(String key, String message) {
    return hmacHex(key, message.getBytes(StandardCharsets.UTF_8));
  }

  /** Constant-time comparison; a null or absent signature never matches. */
  public static boolean matches(String expectedHex, String givenHex) {
    if (expectedHex == null || givenHex == null) return false;
    return MessageDigest.isEqual(expectedHex.getBytes(StandardCharsets.US_ASCII),
        givenHex.trim().toLowerCase().getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  // ---------------------------------------------------------------------------------------------------- Shopee

  /** Shop-level API: {@code hex(HMAC(partner_key, partner_id + api_path + timestamp + access_token + shop_id))}. */
  public static String shopeeShopSign(String partnerKey, long partnerId, String apiPath, long timestamp,
      String accessToken, long shopId) {
    return hmacHex(partnerKey, "" + partnerId + apiPath + timestamp + accessToken + shopId);
  }

  /** Public API (token get/refresh, push APIs): {@code hex(HMAC(partner_key, partner_id + api_path + timestamp))}. */
  public static String shopeePublicSign(String partnerKey, long partnerId, String apiPath, long timestamp) {
    return hmacHex(partnerKey, "" + partnerId + apiPath + timestamp);
  }

  /** Push authentication: {@code hex(HMAC(push_key, callback_url + "|" + raw_body))}. */
  public static String shopeePushSign(String pushKey, String callbackUrl, byte[] rawBody) {
    return hmacHex(pushKey, concat((callbackUrl + "|").getBytes(StandardCharsets.UTF_8), rawBody));
  }

  /** @param authorization the Authorization header as received (no prefix), null when absent */
  public static boolean verifyShopeePush(String pushKey, String callbackUrl, byte[] rawBody, String authorization) {
    return matches(shopeePushSign(pushKey, callbackUrl, rawBody), authorization);
  }

  // ---------------------------------------------------------------------------------------------------- TikTok

  /**
   * The string TikTok signs: path, then every query parameter except {@code sign} and {@code access_token} sorted by
   * key as {@code key+value}, then the raw body (empty for GET and multipart).
   */
  public static byte[] tiktokSignedBytes(String path, Map<String, String> query, byte[] rawBody) {
    StringBuilder s = new StringBuilder(path);
    new TreeMap<>(query).forEach((k, v) -> {
      if (!k.equals("sign") && !k.equals("access_token")) s.append(k).append(v);
    });
    byte[] head = s.toString().getBytes(StandardCharsets.UTF_8);
    return rawBody == null ? head : concat(head, rawBody);
  }

  /** {@code hex(HMAC(app_secret, app_secret + s + app_secret))}. */
  public static String tiktokRequestSign(String appSecret, String path, Map<String, String> query, byte[] rawBody) {
    byte[] secret = appSecret.getBytes(StandardCharsets.UTF_8);
    byte[] wrapped = concat(concat(secret, tiktokSignedBytes(path, query, rawBody)), secret);
    return hmacHex(appSecret, wrapped);
  }

  /** Webhook: {@code hex(HMAC(app_secret, app_key + raw_body))} in header Authorization. */
  public static String tiktokWebhookSign(String appSecret, String appKey, byte[] rawBody) {
    return hmacHex(appSecret, concat(appKey.getBytes(StandardCharsets.UTF_8), rawBody));
  }

  public static boolean verifyTikTokWebhook(String appSecret, String appKey, byte[] rawBody, String authorization) {
    return matches(tiktokWebhookSign(appSecret, appKey, rawBody), authorization);
  }

  // -------------------------------------------------------------------------------------------------- WhatsApp

  /** The X-Hub-Signature-256 header value: {@code sha256=<hex(HMAC(app_secret, raw_body))>}. */
  public static String whatsAppSignatureHeader(String appSecret, byte[] rawBody) {
    return "sha256=" + hmacHex(appSecret, rawBody);
  }

  public static boolean verifyWhatsApp(String appSecret, byte[] rawBody, String signatureHeader) {
    if (signatureHeader == null || !signatureHeader.startsWith("sha256=")) return false;
    return matches(hmacHex(appSecret, rawBody), signatureHeader.substring("sha256=".length()));
  }
}

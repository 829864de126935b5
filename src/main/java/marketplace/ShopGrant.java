package marketplace;

import common.Channel;
import java.time.Instant;

/**
 * A shop's authorisation as the platform granted it: its token pair and, for TikTok, the shop cipher and region the
 * authorised-shops list gave. Secrets: {@code toString} redacts them.
 *
 * @param accessExpiresAt null when unknown (tokens imported from configuration)
 * @param issuedAt when the access token was received (refresh-ahead counts from it)
 */
public record ShopGrant(Channel channel, String shopId, String accessToken, String refreshToken, Instant issuedAt,
    Instant accessExpiresAt, Instant refreshExpiresAt, String shopCipher, String region, String shopName) {

  /** The same authorisation with a new token pair (a refresh keeps the shop's cipher, region and name). */
  public ShopGrant withTokens(ShopGrant refreshed) {
    String refresh = refreshed.refreshToken() == null || refreshed.refreshToken().isBlank()
        ? refreshToken : refreshed.refreshToken();
    return new ShopGrant(channel, shopId, refreshed.accessToken(), refresh, refreshed.issuedAt(),
        refreshed.accessExpiresAt(), refreshed.refreshExpiresAt() != null ? refreshed.refreshExpiresAt()
        : refreshExpiresAt, shopCipher, region, shopName);
  }

  @Override
  public String toString() {
    return "ShopGrant[channel=" + channel + ", shopId=" + shopId + ", accessToken=***, refreshToken=***, issuedAt="
        + issuedAt + ", accessExpiresAt=" + accessExpiresAt + ", refreshExpiresAt=" + refreshExpiresAt + ", region="
        + region + "]";
  }
}

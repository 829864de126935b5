package marketplace;

import com.fasterxml.jackson.annotation.JsonInclude;
import common.Channel;
import java.time.Instant;

/**
 * What the cluster knows of a shop's connection, without secrets: kept by the shop's connection entity in the
 * {@code shop_connections} table, read by every node (which shops exist, their TikTok cipher and region) and shown by
 * {@code GET /admin/shops}.
 *
 * @param state connected, refreshing, expiring_soon, expired, deauthorised or disconnected
 * @param lastRefreshOutcome ok, or the platform's error code of the last refresh
 * @param reason why the shop is not connected (the platform's words), else null
 * @param source how it was connected: onboarding or config
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShopConnectionStatus(Channel channel, String shopId, String state, String shopCipher, String region,
    String shopName, Instant accessExpiresAt, Instant refreshExpiresAt, Instant authorisationExpiresAt,
    Instant lastRefreshAt, String lastRefreshOutcome, String reason, String source, Instant updatedAt) {

  public static final String CONNECTED = "connected";
  public static final String REFRESHING = "refreshing";
  public static final String EXPIRING_SOON = "expiring_soon";
  public static final String EXPIRED = "expired";
  public static final String DEAUTHORISED = "deauthorised";
  public static final String DISCONNECTED = "disconnected";

  /** Calls may be made for the shop (its tokens are usable or being renewed). */
  public boolean usable() {
    return state.equals(CONNECTED) || state.equals(REFRESHING) || state.equals(EXPIRING_SOON);
  }
}

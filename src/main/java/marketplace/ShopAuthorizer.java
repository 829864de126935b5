package marketplace;

import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A platform's shop authorisation (MARKETPLACES.md "Shop authorisation", "Authorisation and tokens"), one per
 * channel with a marketplace API: the link the seller opens, the exchange of the redirect's code for tokens, and the
 * refresh. Failures are {@link MarketCallException}s classified by the channel's error table (RETRY when the
 * platform could not be reached or answered 5xx; PAUSE_SHOP when it refused the code or refresh token).
 */
public interface ShopAuthorizer {

  Channel channel();

  /** The authorisation page for the seller's browser; {@code state} comes back to the redirect endpoint. */
  String authorizationLink(String state);

  /** The redirect's query (code, shop id...) exchanged for the grants of every shop it authorised. */
  CompletionStage<List<ShopGrant>> exchange(Map<String, String> redirectQuery);

  /** A new token pair for the shop (Shopee's refresh token is single use: the old one is spent by this call). */
  CompletionStage<ShopGrant> refresh(ShopGrant current);

  /** Renew this long before the access token expires (but not before three quarters of its life). */
  Duration refreshMargin();

  /** When a token received at {@code issuedAt} that expires at {@code expiresAt} is due for renewal; null if unknown. */
  static Instant refreshDue(Instant issuedAt, Instant expiresAt, Duration margin) {
    if (expiresAt == null) return null;
    Instant due = expiresAt.minus(margin);
    if (issuedAt != null) {
      Instant threeQuarters = issuedAt.plusMillis(Duration.between(issuedAt, expiresAt).toMillis() * 3 / 4);
      if (threeQuarters.isAfter(due)) due = threeQuarters;
    }
    return due;
  }
}

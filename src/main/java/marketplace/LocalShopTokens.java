package marketplace;

import common.Channel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens kept in this JVM's memory, starting from the configured ones: for a client built alone (its unit tests),
 * where no connection entity runs. A refresh is shared by concurrent callers; the new pair lives only here, so this
 * is never what the service uses (there the shop's connection entity persists every pair before it is used).
 */
public final class LocalShopTokens implements ShopTokens {
  private final Map<String, ShopGrant> grants = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<AccessToken>> refreshing = new ConcurrentHashMap<>();
  private volatile ShopAuthorizer authorizer;

  public LocalShopTokens(Channel channel, MarketplaceConfig config) {
    if (channel == Channel.SHOPEE) {
      for (var s : config.shopee()) put(new ShopGrant(channel, s.shopId(), s.accessToken(), s.refreshToken(), null,
          null, null, null, null, null));
    } else if (channel == Channel.TIKTOK) {
      for (var s : config.tiktok()) put(new ShopGrant(channel, s.shopId(), s.accessToken(), s.refreshToken(), null,
          null, null, s.shopCipher(), s.region(), null));
    }
  }

  /** The refresher: the client's own authorizer (set once the client is built). */
  public void refreshWith(ShopAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  private void put(ShopGrant grant) {
    grants.put(grant.shopId(), grant);
  }

  /** The shop's current grant (tests read the token the calls carry). */
  public ShopGrant grant(String shopId) {
    return grants.get(shopId);
  }

  @Override
  public CompletionStage<AccessToken> current(Channel channel, String shopId) {
    ShopGrant grant = grants.get(shopId);
    if (grant == null) return CompletableFuture.failedFuture(notConnected(channel, shopId));
    AccessToken token = token(grant);
    if (token.refreshDueAt() != null && Instant.now().isAfter(token.refreshDueAt())) {
      return renew(channel, shopId, token.token());
    }
    return CompletableFuture.completedFuture(token);
  }

  @Override
  public CompletionStage<AccessToken> renew(Channel channel, String shopId, String rejected) {
    ShopGrant grant = grants.get(shopId);
    if (grant == null) return CompletableFuture.failedFuture(notConnected(channel, shopId));
    if (!grant.accessToken().equals(rejected)) return CompletableFuture.completedFuture(token(grant));
    if (grant.refreshToken() == null || grant.refreshToken().isBlank()) {
      return CompletableFuture.failedFuture(new MarketCallException(channel, shopId, "token_refresh",
          "no_refresh_token", "the access token was refused and no refresh token is known", 1,
          FailureClass.PERMANENT_CONFIG, null, null));
    }
    CompletableFuture<AccessToken> started = new CompletableFuture<>();
    CompletableFuture<AccessToken> existing = refreshing.putIfAbsent(shopId, started);
    if (existing != null) return existing;
    authorizer.refresh(grant).whenComplete((refreshed, error) -> {
      refreshing.remove(shopId, started);
      if (error != null) {
        started.completeExceptionally(error);
      } else {
        ShopGrant next = grant.withTokens(refreshed);
        grants.put(shopId, next);
        started.complete(token(next));
      }
    });
    return started;
  }

  private AccessToken token(ShopGrant grant) {
    return new AccessToken(grant.accessToken(), grant.accessExpiresAt(), authorizer == null ? null
        : ShopAuthorizer.refreshDue(grant.issuedAt(), grant.accessExpiresAt(), authorizer.refreshMargin()));
  }

  static MarketCallException notConnected(Channel channel, String shopId) {
    return new MarketCallException(channel, shopId, "token", "shop_not_connected",
        "no connection for " + channel.key() + " shop " + shopId + ": connect it first", 1, FailureClass.PAUSE_SHOP,
        null, null);
  }
}

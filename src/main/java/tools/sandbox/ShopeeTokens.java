package tools.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shopee's token lifecycle (MARKETPLACES.md "Shop authorisation"): access tokens valid for a lifetime (default 4 h,
 * then answered {@code invalid_acceess_token}), single-use refresh tokens (a spent one answers {@code error_auth}
 * "Invalid refresh_token." and is counted, so a test can prove the client never reuses one).
 */
final class ShopeeTokens {
  static final Duration DEFAULT_LIFETIME = Duration.ofHours(4);

  private record Access(String token, Instant expiresAt) {}

  private final SandboxShops config;
  private final Map<String, Access> access = new ConcurrentHashMap<>();
  private final Map<String, String> refresh = new ConcurrentHashMap<>();
  private final Set<String> spent = ConcurrentHashMap.newKeySet();
  private final AtomicLong reuses = new AtomicLong();
  /** Successful refreshes per shop. */
  private final Map<String, AtomicLong> refreshes = new ConcurrentHashMap<>();
  private volatile Duration lifetime = DEFAULT_LIFETIME;

  ShopeeTokens(SandboxShops config) {
    this.config = config;
    reset();
  }

  void reset() {
    lifetime = DEFAULT_LIFETIME;
    spent.clear();
    reuses.set(0);
    refreshes.clear();
    Instant now = Instant.now();
    // Sellable shops start without tokens: only onboarding (code exchange) gives them a pair.
    access.keySet().removeIf(shop -> config.shopeeShop(shop).map(s -> s.accessToken() == null).orElse(true));
    refresh.keySet().removeIf(shop -> config.shopeeShop(shop).map(s -> s.refreshToken() == null).orElse(true));
    for (SandboxShops.ShopeeShop s : config.shopee()) {
      if (s.accessToken() != null) access.put(s.shopId(), new Access(s.accessToken(), now.plus(lifetime)));
      if (s.refreshToken() != null) refresh.put(s.shopId(), s.refreshToken());
    }
  }

  /** Lifetime of tokens issued from now on; the current tokens' expiry moves with it (issued "now" again). */
  void setLifetime(Duration lifetime) {
    this.lifetime = lifetime;
    Instant expiry = Instant.now().plus(lifetime);
    access.replaceAll((shop, a) -> new Access(a.token(), expiry));
  }

  long lifetimeSeconds() {
    return lifetime.toSeconds();
  }

  /** Ends the shop's current access token at once (as if its 4 hours were over). */
  void expire(String shopId) {
    Access a = access.get(shopId);
    if (a != null) access.put(shopId, new Access(a.token(), Instant.now().minusSeconds(1)));
  }

  /** Revokes the token: the next call with it is an unknown token (error_auth "Invalid access_token."). */
  void revoke(String shopId) {
    access.put(shopId, new Access("revoked-" + UUID.randomUUID(), Instant.now().plus(lifetime)));
  }

  /**
   * The seller removed the app: both tokens stop working at once. The refresh token is dropped, not spent, so
   * presenting it again is "Invalid refresh_token." without counting as a reuse.
   */
  synchronized void deauthorize(String shopId) {
    access.remove(shopId);
    refresh.remove(shopId);
  }

  long refreshCount(String shopId) {
    AtomicLong n = refreshes.get(shopId);
    return n == null ? 0 : n.get();
  }

  String accessToken(String shopId) {
    Access a = access.get(shopId);
    return a == null ? null : a.token();
  }

  /** Null when valid, else the error code Shopee answers. */
  String check(String shopId, String token) {
    Access a = access.get(shopId);
    if (a == null || !a.token().equals(token)) return "error_auth";
    if (Instant.now().isAfter(a.expiresAt())) return "invalid_acceess_token";
    return null;
  }

  /** A new pair for the shop, or null when {@code token} is not its current refresh token (spent ones counted). */
  String[] refresh(String shopId, String token) {
    synchronized (this) {
      if (!token.equals(refresh.get(shopId))) {
        if (spent.contains(token)) reuses.incrementAndGet();
        return null;
      }
      spent.add(token);
      String nextAccess = "sbx-access-" + UUID.randomUUID();
      String nextRefresh = "sbx-refresh-" + UUID.randomUUID();
      access.put(shopId, new Access(nextAccess, Instant.now().plus(lifetime)));
      refresh.put(shopId, nextRefresh);
      refreshes.computeIfAbsent(shopId, k -> new AtomicLong()).incrementAndGet();
      return new String[] {nextAccess, nextRefresh};
    }
  }

  /** A fresh pair after a code exchange (the old refresh token is spent too). */
  synchronized String[] issue(String shopId) {
    String old = refresh.get(shopId);
    if (old != null) spent.add(old);
    String nextAccess = "sbx-access-" + UUID.randomUUID();
    String nextRefresh = "sbx-refresh-" + UUID.randomUUID();
    access.put(shopId, new Access(nextAccess, Instant.now().plus(lifetime)));
    refresh.put(shopId, nextRefresh);
    return new String[] {nextAccess, nextRefresh};
  }

  long refreshTokenReuses() {
    return reuses.get();
  }
}

package marketplace.tiktok;

import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketCallException;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;

/**
 * One TikTok shop's access token and its refresh (MARKETPLACES.md "Authorisation and tokens", step 4):
 * GET {auth host}/api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token, unsigned.
 * The URL holds the app secret: it is never logged nor put in an error message.
 *
 * <p>Callers that saw the same expired token share one refresh. The new pair lives in memory only: persisting it
 * (and refreshing ahead of {@code access_token_expire_in}) is a later issue, so a restart starts again from the
 * configured tokens.
 */
final class TikTokTokens {
  static final String REFRESH_PATH = "/api/v2/token/refresh";

  /** The refresh answer's data: both expiries are absolute unix timestamps (not durations). */
  record Refreshed(String accessToken, Instant accessExpiresAt, String refreshToken, Instant refreshExpiresAt) {
    @Override
    public String toString() {
      return "Refreshed[accessExpiresAt=" + accessExpiresAt + ", refreshExpiresAt=" + refreshExpiresAt + "]";
    }
  }

  private final MarketplaceConfig.TikTokShop shop;
  private final HttpCaller http;
  private String accessToken;
  private String refreshToken;
  private Instant accessExpiresAt;
  private CompletableFuture<String> refreshing;

  TikTokTokens(MarketplaceConfig.TikTokShop shop, HttpCaller http) {
    this.shop = shop;
    this.http = http;
    this.accessToken = shop.accessToken();
    this.refreshToken = shop.refreshToken() == null ? "" : shop.refreshToken();
  }

  synchronized String accessToken() {
    return accessToken;
  }

  /** When the current access token expires, as the last refresh said; null before any refresh. */
  synchronized Instant accessExpiresAt() {
    return accessExpiresAt;
  }

  /**
   * A token newer than {@code expired}: the one another caller already got, the refresh underway, or a new refresh.
   * Fails with PAUSE_SHOP when TikTok refuses the refresh (the authorisation is gone), RETRY when it cannot be reached.
   */
  synchronized CompletionStage<String> renew(String expired) {
    if (!accessToken.equals(expired)) return CompletableFuture.completedFuture(accessToken);
    if (refreshing != null) return refreshing;
    if (refreshToken.isBlank()) {
      return CompletableFuture.failedFuture(failure("no_refresh_token",
          "access token expired (105002) and no refresh-token is configured", FailureClass.PERMANENT_CONFIG));
    }
    CompletableFuture<String> started = new CompletableFuture<>();
    refreshing = started;
    String uri = shop.authBaseUrl() + REFRESH_PATH + "?app_key=" + HttpCaller.encode(shop.appKey())
        + "&app_secret=" + HttpCaller.encode(shop.appSecret()) + "&refresh_token=" + HttpCaller.encode(refreshToken)
        + "&grant_type=refresh_token";
    http.send(HttpRequest.GET(uri)).whenComplete((reply, error) -> {
      try {
        if (error != null) throw failure("network", error.getClass().getSimpleName(), FailureClass.RETRY);
        Refreshed r = read(reply);
        synchronized (this) {
          accessToken = r.accessToken();
          if (r.refreshToken() != null && !r.refreshToken().isBlank()) refreshToken = r.refreshToken();
          accessExpiresAt = r.accessExpiresAt();
          refreshing = null;
        }
        started.complete(r.accessToken());
      } catch (RuntimeException e) {
        synchronized (this) {
          refreshing = null;
        }
        started.completeExceptionally(e);
      }
    });
    return started;
  }

  private Refreshed read(HttpCaller.Reply reply) {
    if (reply.status() == 429 || reply.status() >= 500) {
      throw failure("http_" + reply.status(), "token refresh unavailable", FailureClass.RETRY);
    }
    JsonNode root;
    try {
      root = JsonTrees.parse(reply.body(), "TikTok token refresh");
    } catch (MarketParseException e) {
      throw failure("http_" + reply.status(), "token refresh answer is not JSON", FailureClass.PAUSE_SHOP);
    }
    return parse(root, this);
  }

  /** The refresh (or token get) answer; a non-zero code means the authorisation is gone: PAUSE_SHOP. */
  static Refreshed parse(JsonNode root, TikTokTokens forErrors) {
    long code = root.path("code").asLong(-1);
    if (code != 0) {
      String message = JsonTrees.optText(root, "message");
      MarketCallException e = new MarketCallException(Channel.TIKTOK, forErrors == null ? "?" : forErrors.shop.shopId(),
          "token_refresh", Long.toString(code), message, 1, FailureClass.PAUSE_SHOP, null, null);
      throw e;
    }
    JsonNode data = JsonTrees.required(root, "data", "TikTok token refresh");
    String where = "TikTok token refresh data";
    return new Refreshed(JsonTrees.text(data, "access_token", where),
        Instant.ofEpochSecond(JsonTrees.longValue(data, "access_token_expire_in", where)),
        JsonTrees.optText(data, "refresh_token"),
        Instant.ofEpochSecond(JsonTrees.optLong(data, "refresh_token_expire_in", 0)));
  }

  private MarketCallException failure(String code, String message, FailureClass failureClass) {
    return new MarketCallException(Channel.TIKTOK, shop.shopId(), "token_refresh", code, message, 1, failureClass,
        null, null);
  }
}

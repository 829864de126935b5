package marketplace.tiktok;

import akka.http.javadsl.model.HttpRequest;
import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketCallException;
import marketplace.MarketParseException;
import marketplace.MarketplaceConfig;
import marketplace.ShopAuthorizer;
import marketplace.ShopGrant;

/**
 * TikTok Shop's authorisation (MARKETPLACES.md "Authorisation and tokens"): the Partner Center link with our
 * {@code state}, the redirect's {@code code} exchanged at {@code /api/v2/token/get} on the auth host, the shops that
 * token covers (with their ciphers) from {@code /authorization/202309/shops}, and the refresh at
 * {@code /api/v2/token/refresh}. Token URLs hold the app secret: never logged nor put in an error message.
 */
public final class TikTokAuthorizer implements ShopAuthorizer {
  static final String TOKEN_GET = "/api/v2/token/get";
  static final String REFRESH = "/api/v2/token/refresh";
  static final String AUTHORIZED_SHOPS = "/authorization/202309/shops";

  /** A token answer's data: both expiries are absolute unix timestamps (not durations). */
  record Tokens(String accessToken, Instant accessExpiresAt, String refreshToken, Instant refreshExpiresAt) {
    @Override
    public String toString() {
      return "Tokens[accessExpiresAt=" + accessExpiresAt + ", refreshExpiresAt=" + refreshExpiresAt + "]";
    }
  }

  private final TikTokClient client;
  private final HttpCaller http;
  private final MarketplaceConfig config;

  TikTokAuthorizer(TikTokClient client, HttpCaller http, MarketplaceConfig config) {
    this.client = client;
    this.http = http;
    this.config = config;
  }

  @Override
  public Channel channel() {
    return Channel.TIKTOK;
  }

  @Override
  public Duration refreshMargin() {
    return config.tiktokTokenRefreshMargin();
  }

  @Override
  public String authorizationLink(String state) {
    String link = config.tiktokApp().authorizationUrl();
    return link + (link.contains("?") ? "&" : "?") + "state=" + HttpCaller.encode(state);
  }

  /** {@code ?code&state}, or {@code error=auth_denied} when the seller refused. */
  @Override
  public CompletionStage<List<ShopGrant>> exchange(Map<String, String> query) {
    String code = query.get("code");
    if (query.containsKey("error") || code == null || code.isBlank() || code.equals("null")) {
      return CompletableFuture.failedFuture(failure("?", "token_get", query.getOrDefault("error", "no_code"),
          "the seller did not authorise the app", FailureClass.PERMANENT_CONFIG));
    }
    MarketplaceConfig.TikTokApp app = config.tiktokApp();
    String uri = app.authBaseUrl() + TOKEN_GET + "?app_key=" + HttpCaller.encode(app.appKey()) + "&app_secret="
        + HttpCaller.encode(app.appSecret()) + "&auth_code=" + HttpCaller.encode(code)
        + "&grant_type=authorized_code";
    Instant issued = Instant.now();
    return tokenCall("?", "token_get", uri).thenCompose(tokens -> client.appCall("authorized_shops",
        tokens.accessToken(), AUTHORIZED_SHOPS, root -> {
          List<ShopGrant> grants = new ArrayList<>();
          for (JsonNode shop : JsonTrees.optArray(root.path("data"), "shops")) {
            String where = "TikTok authorized shop";
            grants.add(new ShopGrant(Channel.TIKTOK, JsonTrees.text(shop, "id", where), tokens.accessToken(),
                tokens.refreshToken(), issued, tokens.accessExpiresAt(), tokens.refreshExpiresAt(),
                JsonTrees.text(shop, "cipher", where), JsonTrees.optText(shop, "region"),
                JsonTrees.optText(shop, "name")));
          }
          return List.copyOf(grants);
        }));
  }

  @Override
  public CompletionStage<ShopGrant> refresh(ShopGrant current) {
    if (current.refreshToken() == null || current.refreshToken().isBlank()) {
      return CompletableFuture.failedFuture(failure(current.shopId(), "token_refresh", "no_refresh_token",
          "the access token was refused and no refresh token is known", FailureClass.PERMANENT_CONFIG));
    }
    MarketplaceConfig.TikTokApp app = config.tiktokApp();
    String uri = app.authBaseUrl() + REFRESH + "?app_key=" + HttpCaller.encode(app.appKey()) + "&app_secret="
        + HttpCaller.encode(app.appSecret()) + "&refresh_token=" + HttpCaller.encode(current.refreshToken())
        + "&grant_type=refresh_token";
    Instant issued = Instant.now();
    return tokenCall(current.shopId(), "token_refresh", uri).thenApply(t -> new ShopGrant(Channel.TIKTOK,
        current.shopId(), t.accessToken(), t.refreshToken(), issued, t.accessExpiresAt(), t.refreshExpiresAt(),
        current.shopCipher(), current.region(), current.shopName()));
  }

  private CompletionStage<Tokens> tokenCall(String shopId, String kind, String uri) {
    return http.send(HttpRequest.GET(uri)).handle((reply, error) -> {
      if (error != null) throw failure(shopId, kind, "network", error.getClass().getSimpleName(), FailureClass.RETRY);
      if (reply.status() == 429 || reply.status() >= 500) {
        throw failure(shopId, kind, "http_" + reply.status(), "token endpoint unavailable", FailureClass.RETRY);
      }
      JsonNode root;
      try {
        root = JsonTrees.parse(reply.body(), "TikTok token answer");
      } catch (MarketParseException e) {
        throw failure(shopId, kind, "http_" + reply.status(), "token answer is not JSON", FailureClass.PAUSE_SHOP);
      }
      return parse(root, shopId, kind);
    });
  }

  /** A token get or refresh answer; a non-zero code means the code or authorisation is gone: PAUSE_SHOP. */
  static Tokens parse(JsonNode root, String shopId, String kind) {
    long code = root.path("code").asLong(-1);
    if (code != 0) {
      throw failure(shopId, kind, Long.toString(code), JsonTrees.optText(root, "message"), FailureClass.PAUSE_SHOP);
    }
    JsonNode data = JsonTrees.required(root, "data", "TikTok token answer");
    String where = "TikTok token answer data";
    return new Tokens(JsonTrees.text(data, "access_token", where),
        Instant.ofEpochSecond(JsonTrees.longValue(data, "access_token_expire_in", where)),
        JsonTrees.optText(data, "refresh_token"),
        Instant.ofEpochSecond(JsonTrees.optLong(data, "refresh_token_expire_in", 0)));
  }

  private static MarketCallException failure(String shopId, String kind, String code, String message,
      FailureClass failureClass) {
    return new MarketCallException(Channel.TIKTOK, shopId, kind, code, message, 1, failureClass, null, null);
  }
}

package marketplace.shopee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.Batches;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.JsonTrees;
import marketplace.MarketCallException;
import marketplace.MarketplaceConfig;
import marketplace.ShopAuthorizer;
import marketplace.ShopGrant;
import marketplace.signing.Signatures;

/**
 * Shopee's shop authorisation (MARKETPLACES.md "Shop authorisation (OAuth onboarding) and token lifecycle"): the
 * signed {@code auth_partner} link, the redirect's {@code code} exchanged at {@code auth/token/get}, and the refresh
 * at {@code auth/access_token/get}, whose refresh token is single use. Codes and tokens are never logged.
 */
public final class ShopeeAuthorizer implements ShopAuthorizer {
  static final String AUTH_PARTNER = "/api/v2/shop/auth_partner";
  static final String TOKEN_GET = "/api/v2/auth/token/get";

  private final ShopeeClient client;
  private final MarketplaceConfig config;

  ShopeeAuthorizer(ShopeeClient client, MarketplaceConfig config) {
    this.client = client;
    this.config = config;
  }

  @Override
  public Channel channel() {
    return Channel.SHOPEE;
  }

  @Override
  public Duration refreshMargin() {
    return config.shopeeTokenRefreshMargin();
  }

  /** Valid 5 minutes (its timestamp); Shopee appends {@code code} and {@code shop_id} to the redirect, which keeps our state. */
  @Override
  public String authorizationLink(String state) {
    MarketplaceConfig.ShopeeApp app = config.shopeeApp();
    long timestamp = Instant.now().getEpochSecond();
    String redirect = app.redirectUrl() + (app.redirectUrl().contains("?") ? "&" : "?") + "state="
        + HttpCaller.encode(state);
    return app.baseUrl() + AUTH_PARTNER + "?partner_id=" + app.partnerId() + "&timestamp=" + timestamp + "&sign="
        + Signatures.shopeePublicSign(app.partnerKey(), app.partnerId(), AUTH_PARTNER, timestamp) + "&redirect="
        + HttpCaller.encode(redirect);
  }

  /** {@code ?code&shop_id} (a shop account) or {@code ?code&main_account_id} (its shops each refreshed once). */
  @Override
  public CompletionStage<List<ShopGrant>> exchange(Map<String, String> query) {
    String code = query.get("code");
    String shopId = query.get("shop_id");
    String mainAccount = query.get("main_account_id");
    if (code == null || code.isBlank() || (shopId == null) == (mainAccount == null)) {
      return CompletableFuture.failedFuture(refused("redirect_incomplete",
          "the redirect must carry code and one of shop_id or main_account_id"));
    }
    long partnerId = config.shopeeApp().partnerId();
    ObjectNode body = JsonTrees.object().put("code", code).put("partner_id", partnerId);
    try {
      if (shopId != null) body.put("shop_id", Long.parseLong(shopId));
      else body.put("main_account_id", Long.parseLong(mainAccount));
    } catch (NumberFormatException e) {
      return CompletableFuture.failedFuture(refused("redirect_incomplete", "shop_id / main_account_id is not a number"));
    }
    if (shopId != null) {
      return client.partnerCall(null, "token_get", TOKEN_GET, body, root -> List.of(grant(shopId, root)));
    }
    return client.partnerCall(null, "token_get", TOKEN_GET, body, root -> root).thenCompose(root -> {
      List<CompletionStage<List<ShopGrant>>> perShop = new ArrayList<>();
      String refreshToken = JsonTrees.text(root, "refresh_token", "Shopee token get");
      for (JsonNode id : JsonTrees.optArray(root, "shop_id_list")) {
        // The main account's one refresh token is refreshed once per shop; each shop then has its own pair.
        ShopGrant seed = new ShopGrant(Channel.SHOPEE, id.asText(), "", refreshToken, null, null, null, null, null,
            null);
        perShop.add(refresh(seed).thenApply(List::of));
      }
      return Batches.concat(perShop);
    });
  }

  @Override
  public CompletionStage<ShopGrant> refresh(ShopGrant current) {
    ObjectNode body = JsonTrees.object();
    body.put("refresh_token", current.refreshToken());
    body.put("partner_id", client.partnerId(current.shopId()));
    body.put("shop_id", Long.parseLong(current.shopId()));
    return client.partnerCall(current.shopId(), "token_refresh", ShopeeClient.TOKEN_REFRESH, body,
        root -> grant(current.shopId(), root));
  }

  private static ShopGrant grant(String shopId, JsonNode root) {
    ShopeeClient.Tokens t = ShopeeClient.parseTokens(root);
    // The refresh token lasts 30 days (not in the answer).
    Instant issued = Instant.now();
    return new ShopGrant(Channel.SHOPEE, shopId, t.accessToken(), t.refreshToken(), issued, t.expiresAt(),
        issued.plus(Duration.ofDays(30)), null, null, null);
  }

  private static MarketCallException refused(String code, String message) {
    return new MarketCallException(Channel.SHOPEE, "?", "token_get", code, message, 0, FailureClass.PERMANENT_CONFIG,
        null, null);
  }
}

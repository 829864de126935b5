package marketplace;

import common.Channel;
import java.util.List;

/**
 * The node's marketplaces as the rest of the service uses them, without knowing which channels there are: built once
 * per actor system by the registry of channels ({@code marketplace.channels.Marketplaces}).
 */
public interface MarketplaceApis {

  MarketplaceConfig config();

  /** How this node's outbound calls went, per channel, shop and call kind. */
  CallOutcomes outcomes();

  /** The API of one shop, for its {@link ShopAdapter}. */
  ShopApi shopApi(Channel channel, String shopId);

  /** Template messages to buyers, for {@link WhatsAppSender}. */
  TemplateMessages templateMessages();

  /** Every configured or connected shop whose orders can be listed, Shopee's first (asked again as shops connect). */
  List<OrderFeed> orderFeeds();

  /** Every configured or connected shop's, WhatsApp number's and catalogue's breaker: Shopee, TikTok, WhatsApp. */
  List<ShopBreaker> breakers();

  /** The channel's shop authorisation (onboarding, token refresh), for channels with a marketplace API. */
  java.util.Optional<ShopAuthorizer> authorizer(Channel channel);

  /** The shops with connections, as this node last read them. */
  ShopDirectory directory();
}

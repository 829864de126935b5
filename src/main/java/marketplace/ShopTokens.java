package marketplace;

import common.Channel;
import java.util.concurrent.CompletionStage;

/**
 * Where a marketplace client gets a shop's access token. In the service this is the shop's connection entity
 * (marketplace.connection), the one place in the cluster that refreshes the shop's tokens; a client built alone (its
 * unit tests) keeps them in memory ({@link LocalShopTokens}).
 *
 * <p>Both fail with a {@link MarketCallException} of class PAUSE_SHOP when the shop is not connected (never
 * authorised, de-authorised, disconnected, or its refresh refused): its calls then stop until it is connected again.
 */
public interface ShopTokens {

  /** The token to call with now; renewed first when its refresh is due. */
  CompletionStage<AccessToken> current(Channel channel, String shopId);

  /** A token newer than {@code rejected} (the platform refused it): the one another caller already got, or one refresh shared by all. */
  CompletionStage<AccessToken> renew(Channel channel, String shopId, String rejected);
}

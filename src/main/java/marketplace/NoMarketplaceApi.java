package marketplace;

import common.OrderDetails;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import sku.Listing;

/**
 * A channel without a marketplace API: WhatsApp orders carry their details (its catalogue gets stock pushes only
 * when one is configured, through {@code WhatsAppCatalogApi}); phone orders are entered by an operator. The shop adapter sees from the channel that it has no marketplace API and calls nothing else.
 */
public final class NoMarketplaceApi implements ShopApi {
  private final boolean configured;

  /** @param configured the shop (a WhatsApp number) is in {@code orchestrator.marketplaces} */
  public NoMarketplaceApi(boolean configured) {
    this.configured = configured;
  }

  @Override
  public boolean configured() {
    return configured;
  }


  @Override
  public CompletionStage<List<OrderDetails>> fetchOrders(List<String> orderIds) {
    return CompletableFuture.failedFuture(noApi());
  }

  @Override
  public CompletionStage<?> cancel(String orderId, List<String> listingRefs) {
    return CompletableFuture.failedFuture(noApi());
  }

  @Override
  public boolean pushesStock() {
    return false;
  }

  @Override
  public String group(Listing listing) {
    return null;
  }

  @Override
  public String target(Listing listing) {
    throw noApi();
  }

  @Override
  public Duration pushWait() {
    return Duration.ZERO;
  }

  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    return CompletableFuture.failedFuture(noApi());
  }

  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    return CompletableFuture.failedFuture(noApi());
  }

  private static UnsupportedOperationException noApi() {
    return new UnsupportedOperationException("this channel has no marketplace API");
  }
}

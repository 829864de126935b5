package marketplace.whatsapp;

import common.OrderDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import marketplace.FailureClass;
import marketplace.ShopApi;
import sku.Listing;

/**
 * The configured WhatsApp catalogue for its adapter: the whole catalogue is one group (its id, the listings'
 * shopId), each item a target named by its retailer id, which is the SKU code (the same value WhatsApp orders carry
 * as {@code product_retailer_id}). A push goes out as items_batch calls of at most max-items-per-call items; an item
 * the platform refuses ({@code validation_status[].errors}: unknown retailer id, bad value) is a permanent listing
 * failure, as the error table says.
 *
 * <p>Orders of this channel carry their details and cannot be cancelled through an API: those calls fail here, and
 * the adapter never makes them ({@code Channel.hasMarketplaceApi()} is false for WhatsApp).
 *
 * <p>Reading back: the platform facts give no read of an item's availability (only the batch status), so
 * {@link #readStock} answers nothing and reconciliation re-pushes every catalogue listing each round.
 */
public final class WhatsAppCatalogApi implements ShopApi {
  private final WhatsAppCatalogClient client;
  private final String catalogId;
  private final int maxItemsPerCall;

  public WhatsAppCatalogApi(WhatsAppCatalogClient client, String catalogId) {
    this.client = client;
    this.catalogId = catalogId;
    this.maxItemsPerCall = client.catalog(catalogId)
        .orElseThrow(() -> new IllegalArgumentException("no WhatsApp catalogue " + catalogId)).maxItemsPerCall();
  }

  @Override
  public boolean configured() {
    return true;
  }

  @Override
  public CompletionStage<List<OrderDetails>> fetchOrders(List<String> orderIds) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("WhatsApp orders carry their details"));
  }

  @Override
  public CompletionStage<?> cancel(String orderId, List<String> listingRefs) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "WhatsApp orders cannot be cancelled through an API"));
  }

  @Override
  public String group(Listing listing) {
    return catalogId.equals(listing.shopId()) ? catalogId : null;
  }

  /** Never asked: a catalogue item is named by its SKU ({@link #target(String, Listing)}). */
  @Override
  public String target(Listing listing) {
    throw new IllegalStateException("a WhatsApp catalogue item is named by its SKU code, not by the listing");
  }

  @Override
  public String target(String sku, Listing listing) {
    return sku;
  }

  @Override
  public Duration pushWait() {
    return client.untilFree();
  }

  @Override
  public CompletionStage<PushResult> push(String group, List<TargetStock> stocks) {
    List<List<WhatsAppCatalogClient.ItemStock>> calls = new ArrayList<>();
    for (int i = 0; i < stocks.size(); i += maxItemsPerCall) {
      calls.add(stocks.subList(i, Math.min(stocks.size(), i + maxItemsPerCall)).stream()
          .map(s -> new WhatsAppCatalogClient.ItemStock(s.target(), s.quantity())).toList());
    }
    Map<String, TargetFailure> failed = new HashMap<>();
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    // one after the other: each takes its own token of the catalogue's rate limit
    for (List<WhatsAppCatalogClient.ItemStock> items : calls) {
      chain = chain.thenCompose(v -> client.updateAvailability(catalogId, items)).thenAccept(result ->
          result.rejected().forEach((retailerId, reason) ->
              failed.put(retailerId, new TargetFailure(reason, FailureClass.PERMANENT_LISTING))));
    }
    return chain.thenApply(v -> new PushResult(Map.copyOf(failed), null));
  }

  /** No read of an item's availability in the platform facts: nothing is known to compare. */
  @Override
  public CompletionStage<Map<String, Integer>> readStock(String group) {
    return CompletableFuture.completedFuture(Map.of());
  }
}

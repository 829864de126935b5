package marketplace.connection;

import java.util.List;
import java.util.function.Consumer;
import marketplace.ShopConnectionStatus;
import marketplace.ShopDirectory;

/**
 * This node's copy of {@code shop_connections}, read every {@code orchestrator.shops.directory-refresh}: which shops
 * exist and their TikTok cipher and region, for the clients, the order pollers and the admin API.
 */
final class ConnectedShops implements ShopDirectory {
  private volatile List<ShopConnectionStatus> shops = List.of();
  private volatile Consumer<ShopConnectionStatus> onChange = s -> {};

  @Override
  public List<ShopConnectionStatus> shops() {
    return shops;
  }

  void onChange(Consumer<ShopConnectionStatus> listener) {
    this.onChange = listener;
  }

  /** One shop's status as its entity just answered (before the next read of the table shows it). */
  void put(ShopConnectionStatus status) {
    List<ShopConnectionStatus> next = new java.util.ArrayList<>(shops.stream()
        .filter(s -> !(s.channel() == status.channel() && s.shopId().equals(status.shopId()))).toList());
    next.add(status);
    update(next);
  }

  /** A shop whose state changed since the last read is handed to the listener (its cached token is then dropped). */
  void update(List<ShopConnectionStatus> latest) {
    List<ShopConnectionStatus> before = shops;
    shops = List.copyOf(latest);
    for (ShopConnectionStatus now : latest) {
      var was = before.stream().filter(b -> b.channel() == now.channel() && b.shopId().equals(now.shopId())).findFirst();
      if (was.isEmpty() || !was.get().state().equals(now.state())) onChange.accept(now);
    }
  }
}

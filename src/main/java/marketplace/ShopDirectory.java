package marketplace;

import common.Channel;
import java.util.List;
import java.util.Optional;

/** The shops the cluster has connections for (configured ones imported, onboarded ones added), as this node last read them. */
public interface ShopDirectory {

  List<ShopConnectionStatus> shops();

  default Optional<ShopConnectionStatus> shop(Channel channel, String shopId) {
    return shops().stream().filter(s -> s.channel() == channel && s.shopId().equals(shopId)).findFirst();
  }

  /** No connections known (clients built alone, their unit tests). */
  ShopDirectory NONE = List::of;
}

package order;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.RecipientRef;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import common.Channel;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import sku.SkuEntity;

/** Where the order sends its messages: the sharded SKU and shop adapter entities (probes in unit tests). */
public interface OrderPeers {
  RecipientRef<SkuEntity.Command> sku(String sku);

  RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId);

  RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId);

  /** Where buyers' personal data goes instead of the journal; null keeps it in the details (unit tests' probes). */
  default BuyerDataStore buyerData() {
    return null;
  }

  static OrderPeers sharded(ActorSystem<?> system, BuyerDataStore buyerData) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new OrderPeers() {
      @Override
      public RecipientRef<SkuEntity.Command> sku(String sku) {
        return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
      }

      @Override
      public RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId) {
        return sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(channel, shopId));
      }

      @Override
      public RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId) {
        return sharding.entityRefFor(WhatsAppSender.ENTITY_TYPE_KEY, phoneNumberId);
      }

      @Override
      public BuyerDataStore buyerData() {
        return buyerData;
      }
    };
  }
}

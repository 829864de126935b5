package marketplace;

import marketplace.shopee.ShopeeClient;
import marketplace.tiktok.TikTokClient;
import marketplace.whatsapp.WhatsAppClient;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;

/**
 * The node's marketplace clients and their shared call outcomes, built once per actor system from
 * {@code orchestrator.marketplaces}. Shop adapter actors use them; each shop's rate limit and circuit breaker live
 * in the client, and sharding keeps every shop's adapter (so every call for that shop) on one node.
 */
public final class Marketplaces implements Extension {

  public static final class Id extends ExtensionId<Marketplaces> {
    private static final Id INSTANCE = new Id();

    @Override
    public Marketplaces createExtension(ActorSystem<?> system) {
      return new Marketplaces(system, MarketplaceConfig.fromConfig(system.settings().config()));
    }
  }

  public static Marketplaces get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private final MarketplaceConfig config;
  private final CallOutcomes outcomes = new CallOutcomes();
  private final ShopeeClient shopee;
  private final TikTokClient tiktok;
  private final WhatsAppClient whatsApp;

  private Marketplaces(ActorSystem<?> system, MarketplaceConfig config) {
    this.config = config;
    this.shopee = new ShopeeClient(system, config, outcomes);
    this.tiktok = new TikTokClient(system, config, outcomes);
    this.whatsApp = new WhatsAppClient(system, config, outcomes);
  }

  public MarketplaceConfig config() {
    return config;
  }

  public CallOutcomes outcomes() {
    return outcomes;
  }

  public ShopeeClient shopee() {
    return shopee;
  }

  public TikTokClient tiktok() {
    return tiktok;
  }

  public WhatsAppClient whatsApp() {
    return whatsApp;
  }
}

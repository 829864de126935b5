package marketplace.channels;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import common.Channel;
import infra.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import marketplace.CallOutcomes;
import marketplace.MarketplaceApis;
import marketplace.MarketplaceConfig;
import marketplace.MarketplaceMetrics;
import marketplace.NoMarketplaceApi;
import marketplace.OrderFeed;
import marketplace.ShopAuthorizer;
import marketplace.ShopDirectory;
import marketplace.connection.ShopConnections;
import marketplace.ShopApi;
import marketplace.ShopBreaker;
import marketplace.TemplateMessages;
import marketplace.shopee.ShopeeClient;
import marketplace.shopee.ShopeeOrderFeed;
import marketplace.shopee.ShopeeShopApi;
import marketplace.tiktok.TikTokClient;
import marketplace.tiktok.TikTokOrderFeed;
import marketplace.tiktok.TikTokShopApi;
import marketplace.whatsapp.WhatsAppCatalogApi;
import marketplace.whatsapp.WhatsAppCatalogClient;
import marketplace.whatsapp.WhatsAppClient;

/**
 * The node's marketplace clients and their shared call outcomes, built once per actor system from
 * {@code orchestrator.marketplaces}: the one place that knows every channel. Shop adapter actors use them; each
 * shop's rate limit and circuit breaker live in the client, and sharding keeps every shop's adapter (so every call
 * for that shop) on one node. Their meters are registered with the node's {@link Metrics} when they are built.
 */
public final class Marketplaces implements Extension, MarketplaceApis {

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
  private final WhatsAppCatalogClient whatsAppCatalog;

  private final ShopDirectory directory;

  private Marketplaces(ActorSystem<?> system, MarketplaceConfig config) {
    this.config = config;
    ShopConnections connections = ShopConnections.get(system);
    this.directory = connections.directory();
    this.shopee = new ShopeeClient(system, config, outcomes, connections.tokens(), directory);
    this.tiktok = new TikTokClient(system, config, outcomes, connections.tokens(), directory);
    this.whatsApp = new WhatsAppClient(system, config, outcomes);
    this.whatsAppCatalog = new WhatsAppCatalogClient(system, config, outcomes);
    MarketplaceMetrics.register(Metrics.get(system), this);
  }

  @Override
  public MarketplaceConfig config() {
    return config;
  }

  @Override
  public CallOutcomes outcomes() {
    return outcomes;
  }

  @Override
  public ShopApi shopApi(Channel channel, String shopId) {
    return switch (channel) {
      case SHOPEE -> new ShopeeShopApi(shopee, config, directory, shopId);
      case TIKTOK -> new TikTokShopApi(tiktok, config, directory, shopId);
      // a listing's shopId is its catalogue: the configured one takes availability pushes
      case WHATSAPP -> config.whatsAppCatalog(shopId).isPresent() ? new WhatsAppCatalogApi(whatsAppCatalog, shopId)
          : new NoMarketplaceApi(config.whatsAppNumber(shopId).isPresent());
      case PHONE -> new NoMarketplaceApi(false);
    };
  }

  @Override
  public TemplateMessages templateMessages() {
    return whatsApp;
  }

  @Override
  public Optional<ShopAuthorizer> authorizer(Channel channel) {
    return switch (channel) {
      case SHOPEE -> Optional.of(shopee.authorizer());
      case TIKTOK -> Optional.of(tiktok.authorizer());
      case WHATSAPP, PHONE -> Optional.empty();
    };
  }

  @Override
  public ShopDirectory directory() {
    return directory;
  }

  /** The channel's configured shops, then those only connected (onboarded), each once. */
  private List<String> shopIds(Channel channel) {
    Set<String> ids = new LinkedHashSet<>();
    if (channel == Channel.SHOPEE) config.shopee().forEach(s -> ids.add(s.shopId()));
    if (channel == Channel.TIKTOK) config.tiktok().forEach(s -> ids.add(s.shopId()));
    for (var s : directory.shops()) if (s.channel() == channel) ids.add(s.shopId());
    return List.copyOf(ids);
  }

  @Override
  public List<OrderFeed> orderFeeds() {
    List<OrderFeed> feeds = new ArrayList<>();
    for (String id : shopIds(Channel.SHOPEE)) feeds.add(new ShopeeOrderFeed(shopee, id));
    for (String id : shopIds(Channel.TIKTOK)) feeds.add(new TikTokOrderFeed(tiktok, id));
    return List.copyOf(feeds);
  }

  @Override
  public List<ShopBreaker> breakers() {
    List<ShopBreaker> breakers = new ArrayList<>();
    for (String id : shopIds(Channel.SHOPEE)) {
      breakers.add(new ShopBreaker(Channel.SHOPEE, id, () -> shopee.breakerState(id)));
    }
    for (String id : shopIds(Channel.TIKTOK)) {
      breakers.add(new ShopBreaker(Channel.TIKTOK, id, () -> tiktok.breakerState(id)));
    }
    for (var n : config.whatsapp()) {
      breakers.add(new ShopBreaker(Channel.WHATSAPP, n.phoneNumberId(), () -> whatsApp.breakerState(n.phoneNumberId())));
    }
    config.whatsAppCatalog().ifPresent(c ->
        breakers.add(new ShopBreaker(Channel.WHATSAPP, c.catalogId(), whatsAppCatalog::breakerState)));
    return List.copyOf(breakers);
  }
}

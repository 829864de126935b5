package marketplace.connection;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import com.typesafe.config.Config;
import common.Channel;
import infra.Database;
import infra.Metrics;
import io.micrometer.core.instrument.Gauge;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import marketplace.MarketplaceApis;
import marketplace.MarketplaceConfig;
import marketplace.ShopAdapter;
import marketplace.ShopAuthorizer;
import marketplace.ShopConnectionStatus;
import marketplace.ShopDirectory;
import marketplace.ShopGrant;
import marketplace.ShopTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of shop connections: the tokens the clients get ({@link ConnectionTokens}), the shop list they see
 * ({@link ConnectedShops}), and onboarding (the authorisation link with a one-time state, the redirect's code
 * exchanged, the shop recorded in its entity), disconnection and the platforms' lifecycle events. Built empty with
 * the actor system (the clients need its tokens and directory when they are made); {@link #start} runs the entities.
 */
public final class ShopConnections implements Extension {
  private static final Logger log = LoggerFactory.getLogger(ShopConnections.class);

  public static final class Id extends ExtensionId<ShopConnections> {
    private static final Id INSTANCE = new Id();

    @Override
    public ShopConnections createExtension(ActorSystem<?> system) {
      return new ShopConnections(system);
    }
  }

  public static ShopConnections get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** An authorisation link for the seller's browser, valid as long as its state. */
  public record ConnectLink(String channel, String authorizationUrl, Instant expiresAt) {}

  /** What a redirect came to: the shops recorded, or why nothing was. */
  public sealed interface Outcome {}

  public record ShopsConnected(List<ShopConnectionStatus> shops) implements Outcome {}

  /** @param reason unknown_state, reused_state, expired_state, authorisation_failed */
  public record Refused(String reason, String message) implements Outcome {}

  private final ActorSystem<?> system;
  private final Config settings;
  private final ConnectionTokens tokens;
  private final ConnectedShops directory = new ConnectedShops();
  private final Set<String> gauges = ConcurrentHashMap.newKeySet();
  private volatile Map<Channel, ShopAuthorizer> authorizers = Map.of();
  private volatile ShopConnectionTable table;
  private volatile ConnectStates states;
  private volatile MarketplaceConfig config;

  private ShopConnections(ActorSystem<?> system) {
    this.system = system;
    this.settings = system.settings().config().getConfig("orchestrator.shops");
    this.tokens = new ConnectionTokens(system, settings.getDuration("ask-timeout"));
  }

  public ShopTokens tokens() {
    return tokens;
  }

  public ShopDirectory directory() {
    return directory;
  }

  /** Starts the connection entities and this node's reading of the shop list, and imports the configured shops. */
  public void start(MarketplaceApis marketplaces, Database database) {
    this.config = marketplaces.config();
    Map<Channel, ShopAuthorizer> byChannel = new EnumMap<>(Channel.class);
    for (Channel c : Channel.values()) marketplaces.authorizer(c).ifPresent(a -> byChannel.put(c, a));
    this.authorizers = Map.copyOf(byChannel);
    this.table = new ShopConnectionTable(database);
    this.states = new ConnectStates(database, Clock.systemUTC());
    TokenCipher cipher = TokenCipher.fromConfig(system.settings().config());
    ShopConnection.init(system, new ShopConnection.Dependencies(authorizers, cipher, table, this::configured,
        settings.getDuration("refresh-retry-min"), settings.getDuration("refresh-retry-max"),
        settings.getDuration("expiring-soon")));
    directory.onChange(shop -> {
      tokens.forget(shop.channel(), shop.shopId());
      gauge(shop.channel(), shop.shopId());
    });
    Duration every = settings.getDuration("directory-refresh");
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, every, this::readDirectory, system.executionContext());
    for (var s : config.shopee()) importConfigured(Channel.SHOPEE, s.shopId());
    for (var s : config.tiktok()) importConfigured(Channel.TIKTOK, s.shopId());
  }

  private void importConfigured(Channel channel, String shopId) {
    configured(channel, shopId).ifPresent(grant -> entity(channel, shopId)
        .<Done>ask(replyTo -> new ShopConnection.Import(grant, replyTo), settings.getDuration("ask-timeout"))
        .whenComplete((ok, error) -> {
          if (error != null) log.warn("{} {}: configured tokens not imported yet ({}); imported on first use",
              channel.key(), shopId, error.getMessage());
        }));
  }

  /** The configured tokens of a configured shop (blank tokens: nothing to import). */
  private Optional<ShopGrant> configured(Channel channel, String shopId) {
    if (channel == Channel.SHOPEE) {
      return config.shopeeShop(shopId).filter(s -> !s.accessToken().isBlank()).map(s -> new ShopGrant(channel,
          shopId, s.accessToken(), s.refreshToken(), null, null, null, null, null, null));
    }
    if (channel == Channel.TIKTOK) {
      return config.tiktokShop(shopId).filter(s -> !s.accessToken().isBlank()).map(s -> new ShopGrant(channel,
          shopId, s.accessToken(), s.refreshToken(), null, null, null, s.shopCipher(), s.region(), null));
    }
    return Optional.empty();
  }

  private void readDirectory() {
    table.all().whenComplete((rows, error) -> {
      if (error == null) directory.update(rows);
    });
  }

  /** The shop list as the table holds it now (the admin API reads it fresh). */
  public CompletionStage<List<ShopConnectionStatus>> shops() {
    return table.all().thenApply(rows -> {
      directory.update(rows);
      return rows;
    });
  }

  // ---------------------------------------------------------------------------------------------- onboarding

  public boolean canConnect(Channel channel) {
    return authorizers.containsKey(channel);
  }

  public CompletionStage<ConnectLink> connectLink(Channel channel) {
    ShopAuthorizer authorizer = authorizers.get(channel);
    Instant issued = Instant.now();
    return states.issue(channel).thenApply(state -> new ConnectLink(channel.key(),
        authorizer.authorizationLink(state), states.expiresAt(issued)));
  }

  /**
   * The platform's redirect: its state must be one this service issued for this channel, unused and at most 10
   * minutes old; only then is the code exchanged and the shops recorded. The state is used up first, so a reload
   * of the redirect (or a replay) records nothing.
   */
  public CompletionStage<Outcome> complete(Channel channel, Map<String, String> query) {
    String state = query.get("state");
    if (state == null || state.isBlank()) {
      return CompletableFuture.completedFuture(new Refused("unknown_state", "the redirect carries no state"));
    }
    return states.use(channel, state).thenCompose(use -> switch (use) {
      case UNKNOWN -> CompletableFuture.completedFuture(new Refused("unknown_state",
          "this state was not issued by this service for " + channel.key()));
      case REUSED -> CompletableFuture.completedFuture(new Refused("reused_state",
          "this authorisation link was already used; start again from Connect"));
      case EXPIRED -> CompletableFuture.completedFuture(new Refused("expired_state",
          "this authorisation link is older than 10 minutes; start again from Connect"));
      case ACCEPTED -> exchange(channel, query);
    });
  }

  private CompletionStage<Outcome> exchange(Channel channel, Map<String, String> query) {
    return authorizers.get(channel).exchange(query).thenCompose(grants -> {
      List<CompletableFuture<Done>> connected = new ArrayList<>();
      for (ShopGrant grant : grants) {
        connected.add(entity(channel, grant.shopId()).<Done>ask(replyTo -> new ShopConnection.Connect(grant, replyTo),
            settings.getDuration("ask-timeout")).toCompletableFuture());
      }
      return CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).thenCompose(v -> {
        List<CompletableFuture<ShopConnectionStatus>> statuses = new ArrayList<>();
        for (ShopGrant grant : grants) statuses.add(status(channel, grant.shopId()).toCompletableFuture());
        return CompletableFuture.allOf(statuses.toArray(CompletableFuture[]::new)).thenApply(w -> {
          List<ShopConnectionStatus> shops = statuses.stream().map(CompletableFuture::join).toList();
          shops.forEach(directory::put); // this node knows them at once; the others at their next read
          for (ShopGrant grant : grants) resumeAdapter(channel, grant.shopId());
          return (Outcome) new ShopsConnected(shops);
        });
      });
    }).exceptionally(error -> {
      Throwable cause = common.Futures.unwrap(error);
      log.warn("{} authorisation not completed: {}", channel.key(), cause.getMessage());
      return new Refused("authorisation_failed", cause.getMessage());
    });
  }

  /** Lifts a pause the shop's stock queue and guard took while it was not connected. */
  private void resumeAdapter(Channel channel, String shopId) {
    ClusterSharding.get(system).entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(channel, shopId))
        .<ShopAdapter.ShopResumed>ask(ShopAdapter.ResumeShop::new, settings.getDuration("ask-timeout"));
  }

  public CompletionStage<Done> disconnect(Channel channel, String shopId, String actor) {
    return entity(channel, shopId).<Done>ask(replyTo -> new ShopConnection.Disconnect(actor, replyTo),
        settings.getDuration("ask-timeout")).thenCompose(done -> {
          tokens.forget(channel, shopId);
          return shops().thenApply(rows -> done);
        });
  }

  public CompletionStage<ShopConnectionStatus> status(Channel channel, String shopId) {
    return entity(channel, shopId).ask(ShopConnection.GetStatus::new, settings.getDuration("ask-timeout"));
  }

  // ----------------------------------------------------------------------------------------- platform events

  /** De-authorised by the seller or expired (Shopee push 2, TikTok webhook 6): the shops' calls stop. */
  public CompletionStage<Done> deauthorised(Channel channel, List<String> shopIds, String reason) {
    return all(shopIds, id -> entity(channel, id).<Done>ask(r -> new ShopConnection.Deauthorise(reason, r),
        settings.getDuration("ask-timeout")).thenApply(done -> {
          tokens.forget(channel, id); // at once here; other nodes when they next read the shop list
          return done;
        }));
  }

  /** The authorisation ends at {@code at} (Shopee push 12, TikTok webhook 7). */
  public CompletionStage<Done> authorisationEnds(Channel channel, List<String> shopIds, Instant at) {
    return all(shopIds, id -> entity(channel, id).<Done>ask(r -> new ShopConnection.AuthorisationEnds(at, r),
        settings.getDuration("ask-timeout")));
  }

  private static CompletionStage<Done> all(List<String> ids,
      java.util.function.Function<String, CompletionStage<Done>> each) {
    CompletableFuture<?>[] asks = ids.stream().map(each).map(CompletionStage::toCompletableFuture)
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(asks).thenApply(v -> Done.done());
  }

  private EntityRef<ShopConnection.Command> entity(Channel channel, String shopId) {
    return ClusterSharding.get(system).entityRefFor(ShopConnection.ENTITY_TYPE_KEY,
        ShopConnection.entityId(channel, shopId));
  }

  /** {@code orchestrator_shop_token_expiry_seconds}: seconds until the shop's access token expires (negative: expired). */
  private void gauge(Channel channel, String shopId) {
    if (!gauges.add(channel.key() + "|" + shopId)) return;
    Gauge.builder("orchestrator_shop_token_expiry_seconds", directory, d -> d.shop(channel, shopId)
            .filter(s -> s.accessExpiresAt() != null && s.usable())
            .map(s -> (double) Duration.between(Instant.now(), s.accessExpiresAt()).toSeconds()).orElse(Double.NaN))
        .description("seconds until the shop's access token expires (NaN when unknown or the shop is not connected)")
        .strongReference(true)
        .tag("channel", channel.key()).tag("shop", shopId).register(Metrics.get(system).registry());
  }
}

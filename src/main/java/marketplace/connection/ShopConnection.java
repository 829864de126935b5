package marketplace.connection;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import common.CborSerializable;
import common.Channel;
import common.Futures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import marketplace.AccessToken;
import marketplace.FailureClass;
import marketplace.MarketCallException;
import marketplace.ShopAuthorizer;
import marketplace.ShopConnectionStatus;
import marketplace.ShopGrant;
import marketplace.connection.ConnectionEvents.Connected;
import marketplace.connection.ConnectionEvents.Deauthorised;
import marketplace.connection.ConnectionEvents.Disconnected;
import marketplace.connection.ConnectionEvents.Event;
import marketplace.connection.ConnectionEvents.ExpiryAnnounced;
import marketplace.connection.ConnectionEvents.RefreshDeferred;
import marketplace.connection.ConnectionEvents.RefreshRefused;
import marketplace.connection.ConnectionEvents.RefreshStarted;
import marketplace.connection.ConnectionEvents.Refreshed;
import marketplace.connection.ConnectionEvents.SealedGrant;
import marketplace.connection.ConnectionState.Linked;
import marketplace.connection.ConnectionState.Refreshing;
import marketplace.connection.ConnectionState.Unconnected;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shop's connection (channel and shop id): the only place in the cluster that holds and refreshes the shop's
 * tokens. Sharding runs exactly one per shop, so two nodes never refresh with one single-use refresh token; callers
 * that need a token while a refresh is underway wait for that one refresh. A refresh is announced in the journal
 * ({@link RefreshStarted}) before it is sent and its new pair persisted ({@link Refreshed}) before any caller gets it.
 * A remembered entity: after a crash it starts again by itself, and a refresh whose outcome the crash hid is sent again.
 *
 * <p>Tokens are sealed with AES-GCM ({@link TokenCipher}) in every event; the status it writes to
 * {@code shop_connections} after each event holds no secret.
 */
public final class ShopConnection
    extends EventSourcedBehaviorWithEnforcedReplies<ShopConnection.Command, Event, ConnectionState> {
  private static final Logger log = LoggerFactory.getLogger(ShopConnection.class);

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopConnection");

  public static String entityId(Channel channel, String shopId) {
    return channel.key() + "|" + shopId;
  }

  public sealed interface Command extends CborSerializable {}

  /** A new authorisation from onboarding: replaces whatever the shop had. */
  public record Connect(ShopGrant grant, ActorRef<Done> replyTo) implements Command {}

  /** Configured tokens: taken when the shop never had a connection, or when the configured tokens changed. */
  public record Import(ShopGrant grant, ActorRef<Done> replyTo) implements Command {}

  /** The token to call with now (refreshed first when due). */
  public record GetToken(ActorRef<TokenReply> replyTo) implements Command {}

  /** The platform refused {@code rejected}: a newer token. */
  public record Renew(String rejected, ActorRef<TokenReply> replyTo) implements Command {}

  public record Deauthorise(String reason, ActorRef<Done> replyTo) implements Command {}

  public record AuthorisationEnds(Instant at, ActorRef<Done> replyTo) implements Command {}

  public record Disconnect(String actor, ActorRef<Done> replyTo) implements Command {}

  public record GetStatus(ActorRef<ShopConnectionStatus> replyTo) implements Command {}

  private record RefreshAnswered(long attempt, ShopGrant grant) implements Command {}

  private record RefreshFailed(long attempt, String code, String message, FailureClass failureClass)
      implements Command {}

  private enum RefreshNow implements Command { DUE, RETRY }

  /**
   * Sharding's stop message (hand-over, rebalance, shutdown): a refresh the platform may already have answered is
   * waited for (at most {@code STOP_WAIT}) so its new single-use pair is persisted, not lost with this incarnation.
   */
  private enum Stop implements Command { REQUESTED, NOW }

  private static final Duration STOP_WAIT = Duration.ofSeconds(20);

  public sealed interface TokenReply extends CborSerializable {}

  public record TokenGranted(AccessToken token) implements TokenReply {}

  /** No token: the shop is not connected (PAUSE_SHOP) or its refresh failed for now (RETRY). */
  public record TokenRefused(String state, String code, String reason, FailureClass failureClass)
      implements TokenReply {}

  /** What every entity of the node shares: the channels' authorisers, the cipher, the status table. */
  record Dependencies(java.util.Map<Channel, ShopAuthorizer> authorizers, TokenCipher cipher,
      ShopConnectionTable table, java.util.function.BiFunction<Channel, String, java.util.Optional<ShopGrant>> configured,
      Duration retryMin, Duration retryMax, Duration expiringSoon) {}

  static void init(ActorSystem<?> system, Dependencies deps) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> {
      String[] parts = ctx.getEntityId().split("\\|", 2);
      return create(Channel.fromKey(parts[0]), parts[1], deps);
    }).withStopMessage(Stop.REQUESTED)
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  static Behavior<Command> create(Channel channel, String shopId, Dependencies deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ShopConnection(ctx, timers, channel, shopId, deps)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Channel channel;
  private final String shopId;
  private final String entityId;
  private final Dependencies deps;
  private final ShopAuthorizer authorizer;
  /** Callers waiting for the refresh underway (not persisted: after a crash they have timed out and ask again). */
  private final List<ActorRef<TokenReply>> waiting = new ArrayList<>();
  private long refreshAttempt;
  /** A refresh request is out (at most one at a time: a second with the same single-use token would be refused). */
  private boolean inFlight;
  /** Sharding asked this entity to stop while a refresh was out: it stops once the outcome is persisted. */
  private boolean stopping;
  private int deferrals;

  private ShopConnection(ActorContext<Command> context, TimerScheduler<Command> timers, Channel channel,
      String shopId, Dependencies deps) {
    super(PersistenceId.ofUniqueId(ENTITY_TYPE_KEY.name() + "|" + entityId(channel, shopId)));
    this.context = context;
    this.timers = timers;
    this.channel = channel;
    this.shopId = shopId;
    this.entityId = entityId(channel, shopId);
    this.deps = deps;
    this.authorizer = deps.authorizers().get(channel);
  }

  @Override
  public ConnectionState emptyState() {
    return Unconnected.initial();
  }

  @Override
  public SignalHandler<ConnectionState> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
      if (state instanceof Refreshing) {
        log.warn("{} {}: recovered while refreshing (the outcome before the restart is unknown): sending it again",
            channel.key(), shopId);
        context.getSelf().tell(RefreshNow.RETRY);
      }
      if (!(state instanceof Unconnected u && u.neverConnected())) afterEvent(state);
    }).build();
  }

  // ------------------------------------------------------------------------------------------------- commands

  @Override
  public CommandHandlerWithReply<Command, Event, ConnectionState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, ConnectionState> b = newCommandHandlerWithReplyBuilder();
    b.forStateType(Unconnected.class)
        .onCommand(Connect.class, (s, c) -> connect(c.grant(), "onboarding", null, c.replyTo()))
        .onCommand(Import.class, (s, c) -> s.neverConnected()
            ? connect(c.grant(), "config", fingerprint(c.grant()), c.replyTo()) : Effect().reply(c.replyTo(), Done.done()))
        .onCommand(GetToken.class, (s, c) -> importOrRefuse(s, c.replyTo()))
        .onCommand(Renew.class, (s, c) -> importOrRefuse(s, c.replyTo()))
        .onCommand(Deauthorise.class, (s, c) -> persistThenDone(new Deauthorised(c.reason(), Instant.now()), c.replyTo()))
        .onCommand(AuthorisationEnds.class, (s, c) -> persistThenDone(new ExpiryAnnounced(c.at(), Instant.now()), c.replyTo()))
        .onCommand(Disconnect.class, (s, c) -> Effect().reply(c.replyTo(), Done.done()))
        .onCommand(RefreshAnswered.class, (s, c) -> Effect().noReply())
        .onCommand(RefreshFailed.class, (s, c) -> Effect().noReply())
        .onCommand(RefreshNow.class, (s, c) -> Effect().noReply());
    b.forStateType(Linked.class)
        .onCommand(Connect.class, (s, c) -> connect(c.grant(), "onboarding", null, c.replyTo()))
        .onCommand(Import.class, (s, c) -> "config".equals(s.source()) && !fingerprint(c.grant()).equals(s.configFingerprint())
            ? connect(c.grant(), "config", fingerprint(c.grant()), c.replyTo()) : Effect().reply(c.replyTo(), Done.done()))
        .onCommand(GetToken.class, (s, c) -> due(s) ? startRefresh(false, c.replyTo()) : Effect().reply(c.replyTo(), granted(s)))
        .onCommand(Renew.class, (s, c) -> current(s).equals(c.rejected())
            ? startRefresh(true, c.replyTo()) : Effect().reply(c.replyTo(), granted(s)))
        .onCommand(RefreshNow.class, (s, c) -> due(s) ? startRefresh(false, null) : Effect().noReply())
        .onCommand(RefreshAnswered.class, (s, c) -> Effect().noReply())
        .onCommand(RefreshFailed.class, (s, c) -> Effect().noReply());
    b.forStateType(Refreshing.class)
        .onCommand(Connect.class, (s, c) -> connect(c.grant(), "onboarding", null, c.replyTo()))
        .onCommand(Import.class, (s, c) -> Effect().reply(c.replyTo(), Done.done()))
        .onCommand(GetToken.class, (s, c) -> stillValid(s) ? Effect().reply(c.replyTo(), granted(s.base())) : await(c.replyTo()))
        .onCommand(Renew.class, (s, c) -> !current(s.base()).equals(c.rejected())
            ? Effect().reply(c.replyTo(), granted(s.base())) : await(c.replyTo()))
        .onCommand(RefreshNow.class, (s, c) -> {
          if (!inFlight) sendRefresh(s.base());
          return Effect().noReply();
        })
        .onCommand(RefreshAnswered.class, this::onRefreshed)
        .onCommand(RefreshFailed.class, this::onRefreshFailed)
        .onCommand(Stop.class, (s, c) -> {
          if (!inFlight || c == Stop.NOW) return Effect().stop().thenNoReply();
          stopping = true;
          timers.startSingleTimer(Stop.NOW, STOP_WAIT);
          return Effect().noReply();
        });
    // Common to the connected phases.
    for (Class<? extends ConnectionState> connected : List.of(Linked.class, Refreshing.class)) {
      b.forStateType(connected)
          .onCommand(Deauthorise.class, (s, c) -> endConnection(new Deauthorised(c.reason(), Instant.now()), c.replyTo()))
          .onCommand(AuthorisationEnds.class, (s, c) -> persistThenDone(new ExpiryAnnounced(c.at(), Instant.now()), c.replyTo()))
          .onCommand(Disconnect.class, (s, c) -> endConnection(new Disconnected(c.actor(), Instant.now()), c.replyTo()));
    }
    for (Class<? extends ConnectionState> phase : List.of(Unconnected.class, Linked.class, Refreshing.class)) {
      b.forStateType(phase).onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), status(s)));
    }
    for (Class<? extends ConnectionState> idle : List.of(Unconnected.class, Linked.class)) {
      b.forStateType(idle).onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    }
    return b.build();
  }

  private ReplyEffect<Event, ConnectionState> connect(ShopGrant grant, String source, String fingerprint,
      ActorRef<Done> replyTo) {
    Connected event = new Connected(seal(grant), source, fingerprint, Instant.now());
    log.info("{} {} connected ({})", channel.key(), shopId, source);
    return Effect().persist(event).thenRun(state -> {
      refreshAttempt++; // a refresh still out belongs to the replaced authorisation: its answer is ignored
      inFlight = false;
      answerWaiting(state);
      afterEvent(state);
    }).thenReply(replyTo, s -> Done.done());
  }

  /** A configured shop's first use imports its configured tokens; otherwise the shop is not connected. */
  private ReplyEffect<Event, ConnectionState> importOrRefuse(Unconnected s, ActorRef<TokenReply> replyTo) {
    var configured = s.neverConnected() ? deps.configured().apply(channel, shopId) : java.util.Optional.<ShopGrant>empty();
    if (configured.isPresent()) {
      ShopGrant grant = configured.get();
      return Effect().persist(new Connected(seal(grant), "config", fingerprint(grant), Instant.now()))
          .thenRun(this::afterEvent).thenReply(replyTo, state -> state instanceof Linked l ? granted(l) : refused(state));
    }
    return Effect().reply(replyTo, refused(s));
  }

  private ReplyEffect<Event, ConnectionState> persistThenDone(Event event, ActorRef<Done> replyTo) {
    return Effect().persist(event).thenRun(this::afterEvent).thenReply(replyTo, s -> Done.done());
  }

  private ReplyEffect<Event, ConnectionState> endConnection(Event event, ActorRef<Done> replyTo) {
    log.warn("{} {}: connection ended ({})", channel.key(), shopId, event.getClass().getSimpleName());
    return Effect().persist(event).thenRun(state -> {
      refreshAttempt++;
      inFlight = false;
      answerWaiting(state);
      timers.cancelAll();
      afterEvent(state);
    }).thenReply(replyTo, s -> Done.done());
  }

  private ReplyEffect<Event, ConnectionState> await(ActorRef<TokenReply> replyTo) {
    waiting.add(replyTo);
    return Effect().noReply();
  }

  /** Announces the refresh in the journal, then sends it; {@code replyTo} (if any) gets the new token. */
  private ReplyEffect<Event, ConnectionState> startRefresh(boolean rejected, ActorRef<TokenReply> replyTo) {
    if (replyTo != null) waiting.add(replyTo);
    return Effect().persist(new RefreshStarted(rejected, Instant.now())).thenRun(state -> {
      afterEvent(state);
      if (state instanceof Refreshing r) sendRefresh(r.base());
    }).thenNoReply();
  }

  private void sendRefresh(Linked linked) {
    if (authorizer == null) {
      context.getSelf().tell(new RefreshFailed(++refreshAttempt, "no_authorizer", "no token refresh for this channel",
          FailureClass.PERMANENT_CONFIG));
      return;
    }
    long attempt = ++refreshAttempt;
    inFlight = true;
    ShopGrant grant = open(linked.grant());
    context.pipeToSelf(authorizer.refresh(grant), (next, error) -> {
      if (error == null) return new RefreshAnswered(attempt, grant.withTokens(next));
      Throwable cause = Futures.unwrap(error);
      if (cause instanceof MarketCallException e) {
        return new RefreshFailed(attempt, e.code(), e.getMessage(), e.failureClass());
      }
      return new RefreshFailed(attempt, "error", cause.getClass().getSimpleName(), FailureClass.RETRY);
    });
  }

  private ReplyEffect<Event, ConnectionState> onRefreshed(Refreshing s, RefreshAnswered answer) {
    if (answer.attempt() != refreshAttempt) return Effect().noReply(); // an older attempt's late answer
    inFlight = false;
    deferrals = 0;
    return Effect().persist(new Refreshed(seal(answer.grant()), Instant.now())).thenRun(state -> {
      log.info("{} {}: tokens refreshed", channel.key(), shopId);
      answerWaiting(state);
      afterEvent(state);
      if (stopping) context.getSelf().tell(Stop.REQUESTED);
    }).thenNoReply();
  }

  private ReplyEffect<Event, ConnectionState> onRefreshFailed(Refreshing s, RefreshFailed failed) {
    if (failed.attempt() != refreshAttempt) return Effect().noReply();
    inFlight = false;
    boolean transientFailure = failed.failureClass() == FailureClass.RETRY || failed.failureClass() == FailureClass.UNKNOWN
        || failed.failureClass() == FailureClass.PAUSE_UNTIL_RESET;
    if (transientFailure) {
      Duration delay = backoff(deferrals++);
      log.warn("{} {}: token refresh failed for now ({}); again in {}", channel.key(), shopId, failed.code(), delay);
      timers.startSingleTimer(RefreshNow.RETRY, delay);
      TokenRefused retry = new TokenRefused(ShopConnectionStatus.REFRESHING, failed.code(),
          "the token refresh failed for now; retried in " + delay.toSeconds() + " s", FailureClass.RETRY);
      if (stillValid(s)) answerAll(granted(s.base()));
      else answerAll(retry);
      return Effect().persist(new RefreshDeferred(failed.code(), Instant.now())).thenRun(state -> {
        afterEvent(state);
        if (stopping) context.getSelf().tell(Stop.REQUESTED);
      }).thenNoReply();
    }
    log.warn("{} {}: the platform refused the token refresh ({}): the shop must be connected again", channel.key(),
        shopId, failed.code());
    return Effect().persist(new RefreshRefused(failed.code(), failed.message(), Instant.now())).thenRun(state -> {
      answerWaiting(state);
      afterEvent(state);
      if (stopping) context.getSelf().tell(Stop.REQUESTED);
    }).thenNoReply();
  }

  private Duration backoff(int failures) {
    long min = deps.retryMin().toMillis();
    return Duration.ofMillis(Math.min(deps.retryMax().toMillis(), min << Math.min(failures, 16)));
  }

  // --------------------------------------------------------------------------------------------------- events

  @Override
  public EventHandler<ConnectionState, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ConnectionState::apply);
  }

  // -------------------------------------------------------------------------------------------------- helpers

  private void answerWaiting(ConnectionState state) {
    if (state instanceof Linked l) answerAll(granted(l));
    else if (state instanceof Unconnected) answerAll(refused(state));
  }

  private void answerAll(TokenReply reply) {
    for (ActorRef<TokenReply> r : waiting) r.tell(reply);
    waiting.clear();
  }

  /** After every event: the status row, and the refresh-ahead timer for the current token. */
  private void afterEvent(ConnectionState state) {
    long seq = lastSequenceNumber(context);
    deps.table().write(status(state), seq).whenComplete((ok, error) -> {
      if (error != null) log.warn("{} {}: status row not written ({})", channel.key(), shopId, error.getMessage());
    });
    if (state instanceof Linked l) {
      Instant due = dueAt(l);
      if (due != null) {
        Duration in = Duration.between(Instant.now(), due);
        timers.startSingleTimer(RefreshNow.DUE, in.isNegative() ? Duration.ZERO : in);
      }
    }
  }

  private ShopConnectionStatus status(ConnectionState state) {
    return state.status(channel, shopId, Instant.now(), deps.expiringSoon());
  }

  private Instant dueAt(Linked s) {
    if (authorizer == null) return null;
    return ShopAuthorizer.refreshDue(s.grant().issuedAt(), s.grant().accessExpiresAt(), authorizer.refreshMargin());
  }

  private boolean due(Linked s) {
    Instant due = dueAt(s);
    return due != null && !Instant.now().isBefore(due);
  }

  /** The old token may still be used while a refresh ahead of its expiry runs (not once the platform refused it). */
  private boolean stillValid(Refreshing s) {
    Instant expires = s.base().grant().accessExpiresAt();
    return !s.rejected() && (expires == null || Instant.now().isBefore(expires));
  }

  private TokenGranted granted(Linked s) {
    return new TokenGranted(new AccessToken(current(s), s.grant().accessExpiresAt(), dueAt(s)));
  }

  private String current(Linked s) {
    return deps.cipher().decrypt(s.grant().accessToken(), entityId);
  }

  private TokenRefused refused(ConnectionState state) {
    ShopConnectionStatus status = status(state);
    String code = status.state().equals(ShopConnectionStatus.DEAUTHORISED) ? "shop_deauthorised"
        : status.state().equals(ShopConnectionStatus.EXPIRED) ? "shop_authorisation_expired" : "shop_not_connected";
    return new TokenRefused(status.state(), code, status.reason() == null ? "connect the shop" : status.reason(),
        FailureClass.PAUSE_SHOP);
  }

  private SealedGrant seal(ShopGrant g) {
    return new SealedGrant(deps.cipher().encrypt(g.accessToken(), entityId), deps.cipher().encrypt(g.refreshToken(),
        entityId), g.issuedAt(), g.accessExpiresAt(), g.refreshExpiresAt(), g.shopCipher(), g.region(), g.shopName());
  }

  private ShopGrant open(SealedGrant g) {
    return new ShopGrant(channel, shopId, deps.cipher().decrypt(g.accessToken(), entityId),
        deps.cipher().decrypt(g.refreshToken(), entityId), g.issuedAt(), g.accessExpiresAt(), g.refreshExpiresAt(),
        g.shopCipher(), g.region(), g.shopName());
  }

  /** A hash of the configured tokens: a changed configuration is a new authorisation to import. */
  static String fingerprint(ShopGrant g) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((g.accessToken() + "\n" + g.refreshToken()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package readside.board;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Props;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import common.CborSerializable;
import infra.Database;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import readside.stocklevels.StockLevelQueries;
import sku.SkuEntity.StockChanged;
import sku.SkuEntity;

/**
 * The live stock board: one per node, when {@code orchestrator.board.redis-uri} is set. Every {@link StockChanged} the
 * SKU entities of this node publish on the event stream goes to Redis at once (no polling read side in between): the
 * SKU's hash ({@code key-prefix + sku}: on hand, reserved, safety stock, available, shown per listing, event seq,
 * updated at) is replaced and the change published on {@code channel} as JSON, both by one Lua script that ignores a
 * change not newer than the hash's {@code event_seq}, so late, repeated or rebuilt values never move a SKU back.
 *
 * <p>Lettuce's async API only: the actor never waits. At most one write per SKU is in flight (at most
 * {@code max-in-flight} in all); changes arriving meanwhile are coalesced, the newest event seq per SKU wins. When
 * Redis is down the board marks itself disconnected and keeps only the newest change per SKU (at most
 * {@code max-pending} SKUs; past that it drops and rebuilds later). When Redis is back (Lettuce reconnects by itself,
 * and a ping every {@code retry-interval} checks) the board is rebuilt from the SKU entities: every SKU of
 * {@code stock_levels}, and every SKU this board has written before (the read side may lag behind a new SKU), is
 * asked for its state through sharding, {@code rebuild-parallelism} at a time, and written, together with whatever
 * was pending; SKUs that did not answer are asked again every {@code retry-interval}. Orders never wait for any of
 * this.
 */
public final class StockBoard extends AbstractBehavior<StockBoard.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "stock-board");

  /** Fields of the Lua script's ARGV before the hash's field/value pairs: seq, channel, message. */
  static final String SCRIPT = String.join("\n",
      "local current = tonumber(redis.call('HGET', KEYS[1], 'event_seq') or '-1')",
      "if current >= tonumber(ARGV[1]) then return 0 end",
      "redis.call('DEL', KEYS[1])",
      "redis.call('HSET', KEYS[1], unpack(ARGV, 4))",
      "redis.call('PUBLISH', ARGV[2], ARGV[3])",
      "return 1");

  public interface Command {}

  /** Operators and tests: how the board is doing. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command, CborSerializable {}

  /**
   * {@code latency*Micros}: from {@link StockChanged#at()} (the entity's write completed) to the Redis write completed,
   * over the last {@value #LATENCY_SAMPLES} live changes written.
   */
  public record Status(boolean connected, int pending, int inFlight, long written, long stale, long dropped,
                       long rebuilds, boolean rebuilding, long latencySamples, long latencyP50Micros,
                       long latencyP99Micros, long latencyMaxMicros) implements CborSerializable {}

  /** The JSON published on the channel. */
  public record Message(String sku, int onHand, int reserved, int safetyStock, int available,
                        Map<String, Integer> shown, long eventSeq, Instant updatedAt) {}

  private record Live(StockChanged change) implements Command {}

  private record Connected(StatefulRedisConnection<String, String> connection) implements Command {}

  private record ConnectFailed(Throwable error) implements Command {}

  private record LinkUp() implements Command {}

  private record LinkDown() implements Command {}

  private record Retry() implements Command {}

  private record Pong(boolean ok) implements Command {}

  private record Written(Change change, boolean applied, Instant completedAt) implements Command {}

  private record WriteFailed(Change change, Throwable error) implements Command {}

  private record RebuildSkus(List<String> skus) implements Command {}

  private record Rebuilt(Change change) implements Command {}

  /** {@code unanswered}: SKUs whose state did not arrive (asked again later). */
  private record RebuildDone(int skus, List<String> unanswered, Throwable error) implements Command {}

  private record RetryUnanswered(List<String> skus) implements Command {}

  /** A change to write; {@code live} ones (from the event stream) count in the latency figures. */
  private record Change(StockChanged value, boolean live) {
    String sku() {
      return value.sku();
    }

    long seq() {
      return value.eventSeq();
    }
  }

  record Settings(String redisUri, String keyPrefix, String channel, int maxInFlight, int maxPending,
                  int rebuildParallelism, Duration rebuildAskTimeout, Duration retryInterval, Duration commandTimeout) {
    static Settings from(Config config) {
      Config c = config.getConfig("orchestrator.board");
      return new Settings(c.getString("redis-uri"), c.getString("key-prefix"), c.getString("channel"),
          c.getInt("max-in-flight"), c.getInt("max-pending"), c.getInt("rebuild-parallelism"),
          c.getDuration("rebuild-ask-timeout"), c.getDuration("retry-interval"), c.getDuration("command-timeout"));
    }
  }

  private static final int LATENCY_SAMPLES = 1 << 16;
  private static final String RETRY = "retry";
  private static final String RETRY_UNANSWERED = "retry-unanswered";

  /** Starts this node's board when a Redis URI is configured; does nothing otherwise (the embedded default). */
  public static java.util.Optional<ActorRef<Command>> init(ActorSystem<?> system, Database database) {
    Settings settings = Settings.from(system.settings().config());
    if (settings.redisUri().isBlank()) return java.util.Optional.empty();
    return java.util.Optional.of(system.systemActorOf(create(settings, new StockLevelQueries(system, database)),
        "stock-board", Props.empty()));
  }

  static Behavior<Command> create(Settings settings, StockLevelQueries skus) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new StockBoard(ctx, timers, settings, skus)));
  }

  private final TimerScheduler<Command> timers;
  private final Settings settings;
  private final StockLevelQueries skus;
  private final ObjectMapper json;
  private final RedisClient client;
  private final RedisURI uri;
  private StatefulRedisConnection<String, String> connection;
  private boolean up;
  private boolean pinging;
  /** Newest change per SKU not yet sent; {@link #ready} lists those of them with no write in flight. */
  private final Map<String, Change> pending = new HashMap<>();
  private final LinkedHashSet<String> ready = new LinkedHashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  /** Every SKU this board has had a change for: rebuilt too, even before the read side lists it. */
  private final Set<String> known = new HashSet<>();
  private boolean rebuilding;
  private boolean rebuildAgain;
  private boolean overflowed;
  private long written;
  private long stale;
  private long dropped;
  private long rebuilds;
  private final long[] latencies = new long[LATENCY_SAMPLES];
  private long latencyCount;

  private StockBoard(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
                     StockLevelQueries skus) {
    super(ctx);
    this.timers = timers;
    this.settings = settings;
    this.skus = skus;
    this.json = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem()))
        .getOrCreate("jackson-json", Optional.empty());
    this.uri = RedisURI.create(settings.redisUri());
    this.uri.setTimeout(settings.commandTimeout());
    this.client = RedisClient.create();
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        // Down means refused at once, not queued inside Lettuce: the board keeps its own bounded, coalesced backlog.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(Math.max(1000, settings.maxInFlight() * 4))
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(settings.commandTimeout()).build())
        .build());
    ActorRef<Command> self = ctx.getSelf();
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
        self.tell(new LinkUp());
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
        self.tell(new LinkDown());
      }
    });
    ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(StockChanged.class,
        ctx.messageAdapter(StockChanged.class, Live::new)));
    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
    connect();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Live.class, m -> offer(new Change(m.change(), true)))
        .onMessage(Rebuilt.class, m -> offer(m.change()))
        .onMessage(Connected.class, this::onConnected)
        .onMessage(ConnectFailed.class, this::onConnectFailed)
        .onMessage(LinkUp.class, m -> {
          if (connection != null && !up) back("reconnected");
          return this;
        })
        .onMessage(LinkDown.class, m -> down("connection lost"))
        .onMessage(Retry.class, this::onRetry)
        .onMessage(Pong.class, this::onPong)
        .onMessage(Written.class, this::onWritten)
        .onMessage(WriteFailed.class, this::onWriteFailed)
        .onMessage(RebuildSkus.class, this::onRebuildSkus)
        .onMessage(RebuildDone.class, this::onRebuildDone)
        .onMessage(RetryUnanswered.class, this::onRetryUnanswered)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onSignal(PostStop.class, s -> {
          if (connection != null) connection.closeAsync();
          client.shutdownAsync();
          return this;
        })
        .build();
  }

  // ------------------------------------------------------------------ connection

  private void connect() {
    getContext().pipeToSelf(client.connectAsync(StringCodec.UTF8, uri),
        (c, error) -> error == null ? new Connected(c) : new ConnectFailed(error));
  }

  private Behavior<Command> onConnected(Connected m) {
    connection = m.connection();
    getContext().getLog().info("Stock board connected to Redis at {}:{}", uri.getHost(), uri.getPort());
    up = true;
    rebuild();
    drain();
    return this;
  }

  private Behavior<Command> onConnectFailed(ConnectFailed m) {
    getContext().getLog().warn("Stock board cannot reach Redis at {}:{} ({}); retrying every {}", uri.getHost(),
        uri.getPort(), m.error().getMessage(), settings.retryInterval());
    timers.startSingleTimer(RETRY, new Retry(), settings.retryInterval());
    return this;
  }

  private Behavior<Command> down(String why) {
    if (up) {
      getContext().getLog().warn("Stock board disconnected from Redis ({}); keeping the newest change per SKU", why);
    }
    up = false;
    if (connection != null && !timers.isTimerActive(RETRY)) {
      timers.startTimerWithFixedDelay(RETRY, new Retry(), settings.retryInterval());
    }
    return this;
  }

  /** Redis answers again: everything may have been lost there, so rebuild, then send what waited. */
  private void back(String how) {
    up = true;
    timers.cancel(RETRY);
    getContext().getLog().info("Stock board {} to Redis; rebuilding from the SKU entities ({} changes pending)",
        how, pending.size());
    rebuild();
    drain();
  }

  private Behavior<Command> onRetry(Retry m) {
    if (connection == null) {
      connect();
    } else if (!up && !pinging) {
      pinging = true;
      getContext().pipeToSelf(connection.async().ping(), (pong, error) -> new Pong(error == null));
    }
    return this;
  }

  private Behavior<Command> onPong(Pong m) {
    pinging = false;
    if (m.ok() && !up) back("answered again");
    return this;
  }

  // ------------------------------------------------------------------ writes

  private Behavior<Command> offer(Change change) {
    Change waiting = pending.get(change.sku());
    if (waiting != null && waiting.seq() >= change.seq()) return this;
    if (waiting == null && pending.size() >= settings.maxPending()) {
      dropped++;
      if (!overflowed) getContext().getLog().warn("Stock board: {} SKUs waiting; dropping changes until a rebuild",
          pending.size());
      overflowed = true;
      return this;
    }
    pending.put(change.sku(), change);
    known.add(change.sku());
    if (!inFlight.contains(change.sku())) ready.add(change.sku());
    drain();
    return this;
  }

  private void drain() {
    Iterator<String> next = ready.iterator();
    while (up && inFlight.size() < settings.maxInFlight() && next.hasNext()) {
      String sku = next.next();
      next.remove();
      Change change = pending.remove(sku);
      inFlight.add(sku);
      write(change);
    }
    if (up && overflowed && pending.isEmpty() && inFlight.isEmpty()) {
      overflowed = false;
      rebuild();
    }
  }

  private void write(Change change) {
    StockChanged v = change.value();
    String[] args;
    try {
      String message = json.writeValueAsString(new Message(v.sku(), v.onHand(), v.reserved(), v.safetyStock(),
          v.available(), v.shown(), v.eventSeq(), v.at()));
      List<String> a = new ArrayList<>(List.of(String.valueOf(v.eventSeq()), settings.channel(), message,
          "sku", v.sku(), "on_hand", String.valueOf(v.onHand()), "reserved", String.valueOf(v.reserved()),
          "safety_stock", String.valueOf(v.safetyStock()), "available", String.valueOf(v.available()),
          "shown", json.writeValueAsString(v.shown()), "event_seq", String.valueOf(v.eventSeq()),
          "updated_at", v.at().toString()));
      v.shown().forEach((listing, quantity) -> {
        a.add("shown:" + listing);
        a.add(String.valueOf(quantity));
      });
      args = a.toArray(String[]::new);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stock board JSON", e);
    }
    CompletionStage<Written> done;
    try {
      done = connection.async()
          .<Long>eval(SCRIPT, ScriptOutputType.INTEGER, new String[] {settings.keyPrefix() + v.sku()}, args)
          .thenApply(applied -> new Written(change, applied != null && applied == 1L, Instant.now()));
    } catch (RuntimeException refused) {
      done = CompletableFuture.failedFuture(refused);
    }
    getContext().pipeToSelf(done, (w, error) -> error == null ? w : new WriteFailed(change, error));
  }

  private Behavior<Command> onWritten(Written m) {
    inFlight.remove(m.change().sku());
    if (pending.containsKey(m.change().sku())) ready.add(m.change().sku());
    if (m.applied()) {
      written++;
      if (m.change().live()) {
        long micros = Duration.between(m.change().value().at(), m.completedAt()).toNanos() / 1000;
        latencies[(int) (latencyCount++ % LATENCY_SAMPLES)] = micros;
      }
    } else {
      stale++;
    }
    drain();
    return this;
  }

  private Behavior<Command> onWriteFailed(WriteFailed m) {
    String sku = m.change().sku();
    inFlight.remove(sku);
    Change newer = pending.get(sku);
    if (newer == null || newer.seq() < m.change().seq()) pending.put(sku, m.change());
    ready.add(sku);
    return down(m.error().getClass().getSimpleName() + ": " + m.error().getMessage());
  }

  // ------------------------------------------------------------------ rebuild

  private void rebuild() {
    if (rebuilding) {
      rebuildAgain = true;
      return;
    }
    rebuilding = true;
    rebuildAgain = false;
    rebuilds++;
    timers.cancel(RETRY_UNANSWERED); // this rebuild asks them too
    List<String> seen = List.copyOf(known);
    getContext().pipeToSelf(skus.allSkus(), (list, error) -> {
      if (error != null) return new RebuildDone(0, List.of(), error);
      Set<String> all = new java.util.TreeSet<>(list);
      all.addAll(seen);
      return new RebuildSkus(List.copyOf(all));
    });
  }

  /** One SKU asked during a rebuild: its state, or null when it did not answer. */
  private record Asked(String sku, SkuEntity.Stock stock) {}

  private Behavior<Command> onRebuildSkus(RebuildSkus m) {
    ActorRef<Command> self = getContext().getSelf();
    ClusterSharding sharding = ClusterSharding.get(getContext().getSystem());
    Duration timeout = settings.rebuildAskTimeout();
    CompletionStage<RebuildDone> done = Source.from(m.skus())
        .mapAsyncUnordered(settings.rebuildParallelism(), sku -> sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
            .<SkuEntity.Stock>askWithStatus(SkuEntity.GetStock::new, timeout)
            .handle((stock, error) -> new Asked(sku, error == null ? stock : null)))
        .runWith(Sink.fold(new ArrayList<String>(), (unanswered, asked) -> {
          if (asked.stock() == null) unanswered.add(asked.sku());
          else if (asked.stock().exists()) self.tell(new Rebuilt(new Change(asked.stock().asChanged(), false)));
          return unanswered;
        }), getContext().getSystem())
        .thenApply(unanswered -> new RebuildDone(m.skus().size(), List.copyOf(unanswered), null));
    getContext().pipeToSelf(done, (d, error) -> error == null ? d : new RebuildDone(m.skus().size(), List.of(), error));
    return this;
  }

  private Behavior<Command> onRebuildDone(RebuildDone m) {
    rebuilding = false;
    if (m.error() != null) {
      getContext().getLog().warn("Stock board rebuild failed ({}); retrying", m.error().getMessage());
      rebuildAgain = true;
    } else if (!m.unanswered().isEmpty()) {
      getContext().getLog().warn("Stock board rebuild asked {} SKUs, {} did not answer (e.g. {}); asking them again in {}",
          m.skus(), m.unanswered().size(), m.unanswered().get(0), settings.retryInterval());
      timers.startSingleTimer(RETRY_UNANSWERED, new RetryUnanswered(m.unanswered()), settings.retryInterval());
    } else {
      getContext().getLog().info("Stock board rebuild asked {} SKUs", m.skus());
    }
    if (rebuildAgain && up) {
      rebuildAgain = false;
      rebuild();
    }
    return this;
  }

  private Behavior<Command> onRetryUnanswered(RetryUnanswered m) {
    // A full rebuild (running or due after reconnecting) asks every SKU anyway.
    if (!rebuilding && up) {
      rebuilding = true;
      onRebuildSkus(new RebuildSkus(m.skus()));
    }
    return this;
  }

  // ------------------------------------------------------------------ status

  private Behavior<Command> onGetStatus(GetStatus m) {
    int n = (int) Math.min(latencyCount, LATENCY_SAMPLES);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    m.replyTo().tell(new Status(up, pending.size(), inFlight.size(), written, stale, dropped, rebuilds, rebuilding,
        latencyCount, percentile(sorted, 50), percentile(sorted, 99), n == 0 ? 0 : sorted[n - 1]));
    return this;
  }

  private static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }
}

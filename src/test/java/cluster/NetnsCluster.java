package cluster;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import support.HostNetwork;
import support.LoadBalancer;
import support.NodeProcess;
import support.PrivatePostgres;
import support.TcpProxy;
import tools.sandbox.Sandbox;

/**
 * A cluster across hosts of their own: one node JVM per network namespace ({@link HostNetwork}), each with its own
 * addresses, the cluster formed by Cluster Bootstrap with config discovery (every host's management endpoint; a new
 * cluster needs all of them), PostgreSQL reached through a proxy per host (so one host alone can be cut from it),
 * the marketplace sandbox and a round-robin load balancer in the test's namespace. A supervisor restarts a node
 * whose JVM exited (a node downed by the Split Brain Resolver stops its JVM), as Kubernetes restarts a pod.
 */
final class NetnsCluster implements AutoCloseable {
  static final int HTTP_PORT = 8080;
  static final int MANAGEMENT_PORT = 8558;
  static final int REMOTE_PORT = 25520;
  /** How long the supervisor waits before it starts a node again (Kubernetes' first back-off is 10 s). */
  static final Duration RESTART_DELAY = Duration.ofSeconds(2);

  /** One JVM exit on a host and the new incarnation started after it. */
  record Restart(int host, long exitedAt, long startedAt) {}

  final int hosts;
  final HostNetwork network;
  final ActorTestKit kit;
  final LoadBalancer lb;
  final Sandbox sandbox;
  final String database;
  final Map<Integer, TcpProxy> databasePaths = new HashMap<>();
  /** The current incarnation per host (1..hosts). */
  final Map<Integer, NodeProcess> current = new ConcurrentHashMap<>();
  final List<NodeProcess> incarnations = new CopyOnWriteArrayList<>();
  final List<Restart> restarts = new CopyOnWriteArrayList<>();
  private final PrivatePostgres pg;
  private final Thread supervisor;
  private volatile boolean supervising;
  private volatile boolean closed;
  private int nextIndex = 1;

  NetnsCluster(PrivatePostgres pg, String database, int hosts) throws Exception {
    this.pg = pg;
    this.hosts = hosts;
    this.database = database;
    try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database);
      s.execute("CREATE DATABASE " + database);
    }
    network = HostNetwork.create(hosts);
    for (int h = 1; h <= hosts; h++) {
      databasePaths.put(h, new TcpProxy(HostNetwork.SERVICE_GATEWAY, new InetSocketAddress("127.0.0.1", pg.port)));
    }
    Config local = ConfigFactory.parseString("""
        akka.actor.provider = local
        akka.http.host-connection-pool.max-connections = 64
        akka.http.host-connection-pool.max-open-requests = 1024
        akka.http.host-connection-pool.client.idle-timeout = 30s
        orchestrator.sandbox.port = 0
        orchestrator.sandbox.interface = "0.0.0.0"
        """);
    kit = ActorTestKit.create("netns", AppConfig.load(local));
    lb = new LoadBalancer(kit.system(), () -> current.values().stream().filter(NodeProcess::alive)
        .map(n -> n.url("")).toList());
    Config sandboxConfig = AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.marketplaces.shopee.default-shop.callback-url", lb.url("/webhooks/shopee"),
        "orchestrator.sandbox.port", 0, "orchestrator.sandbox.interface", "0.0.0.0")).withFallback(local));
    sandbox = Sandbox.start(kit.system(), sandboxConfig);
    supervisor = new Thread(this::supervise, "netns-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  /** What every node gets: its own addresses, bootstrap by config discovery, the database through its path. */
  private Map<String, String> nodeSettings(int host) {
    Map<String, String> s = new HashMap<>();
    s.put("orchestrator.http.interface", "0.0.0.0");
    s.put("akka.remote.artery.canonical.hostname", HostNetwork.clusterIp(host));
    s.put("akka.management.http.hostname", HostNetwork.clusterIp(host));
    // probes and the test reach management on the service address too
    s.put("akka.management.http.bind-hostname", "0.0.0.0");
    s.put("orchestrator.cluster.discovery", "config");
    s.put("orchestrator.cluster.bootstrap-endpoints", IntStream.rangeClosed(1, hosts)
        .mapToObj(h -> HostNetwork.clusterIp(h) + ":" + MANAGEMENT_PORT).collect(Collectors.joining(",")));
    s.put("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr",
        Integer.toString(hosts));
    s.put("orchestrator.db.profile", "postgres");
    s.put("orchestrator.db.postgres.url", "jdbc:postgresql://" + HostNetwork.SERVICE_GATEWAY + ":"
        + databasePaths.get(host).port() + "/" + database);
    s.put("orchestrator.db.postgres.user", "postgres");
    s.put("orchestrator.db.postgres.password", "");
    s.put("orchestrator.shops.token-key", support.TestConfig.TOKEN_KEY);
    s.put("orchestrator.sandbox.address", HostNetwork.SERVICE_GATEWAY);
    s.put("orchestrator.sandbox.port", Integer.toString(sandbox.port()));
    s.put("orchestrator.marketplaces.shopee.default-shop.callback-url", lb.url("/webhooks/shopee"));
    s.putAll(FaultCluster.quickFaultSettings());
    return s;
  }

  private synchronized NodeProcess launch(int host) {
    NodeProcess node = new NodeProcess(nextIndex++, nodeSettings(host), HostNetwork.launcher(host),
        HostNetwork.clusterIp(host), HostNetwork.serviceIp(host), HTTP_PORT, MANAGEMENT_PORT, REMOTE_PORT);
    incarnations.add(node);
    current.put(host, node.start(List.of()));
    return node;
  }

  /** Starts a node on every host, waits until each answers and the cluster has every host Up, then supervises. */
  void start() throws Exception {
    for (int h = 1; h <= hosts; h++) launch(h);
    for (int h = 1; h <= hosts; h++) current.get(h).awaitHealthy(Duration.ofSeconds(150));
    awaitUp(hosts, Duration.ofSeconds(90));
    supervising = true;
  }

  private void supervise() {
    Map<Integer, Long> exitedAt = new HashMap<>();
    while (!closed) {
      if (supervising) {
        for (var e : current.entrySet()) {
          if (e.getValue().alive()) continue;
          long now = System.currentTimeMillis();
          long exited = exitedAt.computeIfAbsent(e.getKey(), h -> now);
          if (now - exited >= RESTART_DELAY.toMillis() && !closed) {
            exitedAt.remove(e.getKey());
            launch(e.getKey());
            restarts.add(new Restart(e.getKey(), exited, System.currentTimeMillis()));
          }
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  NodeProcess node(int host) {
    return current.get(host);
  }

  /** The members a node sees (address → member), or empty when it does not answer. */
  Map<String, JsonNode> members(int host) {
    Map<String, JsonNode> members = new HashMap<>();
    try {
      JsonNode view = FaultCluster.adminJson(node(host).url("/admin/cluster"), Duration.ofSeconds(5));
      for (JsonNode m : view.path("members")) members.put(m.path("address").asText(), m);
    } catch (Exception e) {
      // not answering now
    }
    return members;
  }

  /** The uid (incarnation) the cluster knows for {@code host}, as a node on {@code seenFrom} sees it; 0 if none. */
  long uidOf(int host, int seenFrom) {
    JsonNode m = members(seenFrom).get(node(host).address());
    return m == null ? 0 : m.path("uid").asLong();
  }

  /** Waits until one node's /admin/cluster lists exactly {@code n} members, all Up and reachable. */
  JsonNode awaitUp(int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode view = null;
    while (System.nanoTime() < deadline) {
      for (int h = 1; h <= hosts; h++) {
        try {
          view = FaultCluster.adminJson(node(h).url("/admin/cluster"), Duration.ofSeconds(10));
          if (FaultCluster.allUp(view, n)) return view;
        } catch (Exception notYet) {
          // a node still starting, or restarting
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("cluster not " + n + " Up members after " + timeout + ": " + view + logs());
  }

  String logs() {
    StringBuilder b = new StringBuilder();
    for (NodeProcess n : incarnations) {
      b.append("\n--- node ").append(n.index).append(" (").append(n.serviceHost).append(") ---\n").append(n.tail());
    }
    return b.toString();
  }

  @Override
  public void close() {
    closed = true;
    supervisor.interrupt();
    for (NodeProcess n : incarnations) {
      if (n.alive()) n.kill();
      n.copyLogTo(Path.of("target", "fault-logs", database));
      n.close();
    }
    databasePaths.values().forEach(TcpProxy::close);
    network.close();
    try {
      lb.close();
    } catch (RuntimeException ignored) {
      // already unbound
    }
    sandbox.close();
    kit.shutdownTestKit();
  }
}

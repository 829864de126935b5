package app;

import actors.SkuEntity;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import actors.OrderEntity;
import adapters.InboundMessages;
import adapters.MarketplacePoller;
import adapters.Marketplaces;
import adapters.OrderIntake;
import adapters.ShopAdapter;
import http.ClusterRoutes;
import http.HealthRoutes;
import http.ShopRoutes;
import http.WebhookRoutes;
import http.OrderRoutes;
import http.HttpServer;
import http.Json;
import http.SkuRoutes;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running orchestrator node: the actor system, its cluster membership, Akka Management, the sharded entities
 * and the public HTTP endpoint. Used by {@code orchestrator serve}, the demo, the benchmark and the tests.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;

  private Node(ActorSystem<Void> system, ServerBinding binding) {
    this.system = system;
    this.binding = binding;
  }

  public static Node start(Config config) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), AppConfig.SYSTEM_NAME, config);
    try {
      Database database = Database.get(system);
      if (config.getBoolean("orchestrator.db.apply-schema")) applySchema(database);
      joinCluster(system, config);
      SkuEntity.init(system);
      OrderEntity.init(system);
      ShopAdapter.init(system);
      readside.OrderProjection.init(system, database);
      adapters.StockSync.init(system, database);
      AkkaManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);

      Json json = new Json(system);
      List<Route> routes = new ArrayList<>();
      routes.add(new HealthRoutes(system, database, json).route());
      routes.add(new SkuRoutes(system, json).route());
      routes.add(new OrderRoutes(system, json).route());
      OrderIntake intake = new OrderIntake(system, new InboundMessages(database),
          config.getDuration("orchestrator.webhooks.record-timeout"));
      routes.add(new WebhookRoutes(system, Marketplaces.get(system).config(), intake, json).route());
      routes.add(new ShopRoutes(Marketplaces.get(system), json).route());
      routes.add(new ClusterRoutes(system, json).route());
      MarketplacePoller.init(system, intake);
      routes.add(new http.LedgerRoutes(system, database, json).route());
      routes.add(new http.SyncRoutes(system, json).route());
      ServerBinding binding = new HttpServer(system, json).bind(routes)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      log.info("Node {} serving HTTP on {} (database profile {})",
          Cluster.get(system).selfMember().address(), binding.localAddress(), database.profile());
      return new Node(system, binding);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("Node failed to start: " + e.getMessage(), e);
    }
  }

  /**
   * Creates or completes the schema before anything touches the journal. Nodes starting together on a busy
   * machine (or a database still starting) get a minute of retries before the node gives up.
   */
  private static void applySchema(Database database) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (Connection connection = database.dataSource().getConnection()) {
        SchemaApplier.apply(connection, database.ddlDir());
        return;
      } catch (java.sql.SQLException e) {
        if (System.nanoTime() > deadline) throw e;
        log.warn("Schema not applied yet ({}); retrying", e.getMessage());
        Thread.sleep(1000);
      }
    }
  }

  private static void joinCluster(ActorSystem<?> system, Config config) {
    Cluster cluster = Cluster.get(system);
    if (config.getBoolean("orchestrator.cluster.bootstrap")) {
      ClusterBootstrap.get(Adapter.toClassic(system)).start();
    } else if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
      // Single node: form a cluster of one.
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    // otherwise Akka joins the configured seed nodes by itself
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  /** Runs CoordinatedShutdown (HTTP unbinds and drains first) and waits for the system to terminate. */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Actor system did not terminate within 60 s", e);
    }
  }

  public Duration uptime() {
    return Duration.ofMillis(system.uptime() * 1000);
  }
}

package app;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import http.HealthRoutes;
import http.HttpServer;
import http.Json;
import http.admin.AdminAuth;
import http.admin.AdminTokens;
import http.admin.ClusterRoutes;
import http.admin.OrderRoutes;
import http.admin.ShopRoutes;
import http.admin.SkuRoutes;
import http.webhooks.WebhookMetrics;
import http.webhooks.WebhookRoutes;
import infra.AppConfig;
import infra.Database;
import infra.Metrics;
import infra.SchemaMigrator;
import intake.MarketplacePoller;
import intake.OrderIntake;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import marketplace.InboundMessages;
import marketplace.MarketplaceApis;
import marketplace.OutboundMessages;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import marketplace.channels.Marketplaces;
import order.OrderEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.SkuEntity;

/**
 * One running orchestrator node: the actor system, its cluster membership, Akka Management, the sharded entities
 * and the public HTTP endpoint. Used by {@code orchestrator serve}, the demo, the benchmark and the tests.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Path generatedAdminToken;

  private Node(ActorSystem<Void> system, ServerBinding binding, Path generatedAdminToken) {
    this.system = system;
    this.binding = binding;
    this.generatedAdminToken = generatedAdminToken;
  }

  public static Node start(Config config) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), AppConfig.SYSTEM_NAME, config);
    try {
      Metrics metrics = Metrics.get(system);
      AdminTokens.Loaded adminTokens = AdminTokens.load(config);
      Database database = Database.get(system);
      if (config.getBoolean("orchestrator.db.apply-schema")) applySchema(config, database.profile());
      joinCluster(system, config);
      SkuEntity.init(system);
      order.BuyerDataStore buyerData = order.BuyerDataStore.from(database, config);
      OrderEntity.init(system, buyerData);
      order.BuyerDataEraser.start(system, buyerData, config.getDuration("orchestrator.buyer-data.erase-every"),
          java.time.Clock.systemUTC());
      MarketplaceApis marketplaces = Marketplaces.get(system);
      marketplace.connection.ShopConnections.get(system).start(marketplaces, database);
      ShopAdapter.init(system, marketplaces);
      marketplace.stock.StalenessReporter.init(system); // this node's pushes on every node's sale chart
      readside.ledger.OrderProjection.init(system, database);
      readside.ledger.OrderSweeper.init(system, database);
      readside.ledger.OrderStateCounts.start(system, database, metrics);
      OutboundMessages outbound = new OutboundMessages(database);
      WhatsAppSender.init(system, marketplaces.templateMessages(), outbound, buyerData);
      readside.stocklevels.StockLevelProjection.init(system, database);
      var board = readside.board.StockBoard.init(system, database);
      stocksync.StockSync.init(system, database);
      AkkaManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);

      Json json = new Json(system);
      List<Route> routes = new ArrayList<>();
      HealthRoutes health = new HealthRoutes(system, database, json);
      routes.add(health.route());
      // Every /admin route behind one bearer-token check; the token's name is the actor in entity events.
      SkuRoutes skus = new SkuRoutes(system, json);
      OrderRoutes orders = new OrderRoutes(system, json, outbound, buyerData);
      ShopRoutes shops = new ShopRoutes(system, marketplaces, json);
      ClusterRoutes cluster = new ClusterRoutes(system, json);
      http.admin.LedgerRoutes ledger = new http.admin.LedgerRoutes(system, database, json);
      http.admin.StockLevelRoutes stockLevels = new http.admin.StockLevelRoutes(system, database, json);
      http.admin.SyncRoutes sync = new http.admin.SyncRoutes(system, json);
      http.admin.BoardRoutes boardRoutes = new http.admin.BoardRoutes(system, board, json);
      http.admin.ChartRoutes charts = new http.admin.ChartRoutes(system, database, json);
      // The dashboard page and the OpenAPI document hold no data: served without a token, ahead of AdminAuth.
      routes.add(new http.admin.UiRoutes().route());
      // The platforms' onboarding redirects reach the seller's browser: public, guarded by their one-time state.
      routes.add(new http.OnboardingRoutes(system, json).route());
      AdminAuth admin = new AdminAuth(adminTokens.tokens(), config.getBytes("orchestrator.admin.max-body"), json, metrics);
      routes.add(admin.route(actor -> Directives.concat(skus.route(actor), orders.route(actor), ledger.route(),
          stockLevels.route(), sync.route(), shops.route(actor), cluster.route(), boardRoutes.route(), charts.route(),
          health.adminRoute())));
      OrderIntake intake = new OrderIntake(system, new InboundMessages(database), outbound,
          config.getDuration("orchestrator.webhooks.record-timeout"),
          new readside.stocklevels.StockLevelListings(system, database));
      routes.add(new WebhookMetrics(metrics, json)
          .around(new WebhookRoutes(system, marketplaces.config(), intake, json).route()));
      MarketplacePoller.init(system, marketplaces, intake);
      ServerBinding binding = new HttpServer(system, json).bind(routes)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      log.info("Node {} serving HTTP on {} (database profile {}, {} admin token(s))",
          Cluster.get(system).selfMember().address(), binding.localAddress(), database.profile(),
          adminTokens.tokens().size());
      log.info("Operator dashboard: http://{}:{}/admin/ui (log in with an admin token)",
          binding.localAddress().getHostString(), binding.localAddress().getPort());
      if (adminTokens.generatedFile() != null) {
        log.warn("No admin token configured (ORCH_ADMIN_TOKENS): generated operator token '{}' for this run, "
            + "written to {}", AdminTokens.GENERATED_NAME, adminTokens.generatedFile());
      }
      return new Node(system, binding, adminTokens.generatedFile());
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("Node failed to start: " + e.getMessage(), e);
    }
  }

  /**
   * Migrates the schema (infra.SchemaMigrator) before anything touches the journal. Nodes starting together on a
   * busy machine (or a database still starting) get a minute of retries on SQL errors before the node gives up; a
   * migration that cannot apply (e.g. a changed released script) fails at once. Its connections (Flyway's and
   * the advisory lock's) are its own, not the pool's: a small pool cannot starve it.
   */
  private static void applySchema(Config config, String profile) throws Exception {
    Config db = config.getConfig("orchestrator.db.active");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        SchemaMigrator.migrate(db.getString("url"), db.getString("user"), db.getString("password"), profile);
        return;
      } catch (Exception e) {
        if (!causedBySql(e) || System.nanoTime() > deadline) throw e;
        log.warn("Schema not migrated yet ({}); retrying", e.getMessage());
        Thread.sleep(1000);
      }
    }
  }

  private static boolean causedBySql(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException) return true;
    }
    return false;
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

  /** Where the node wrote the admin token it generated because none was configured; empty when configured. */
  public Optional<Path> generatedAdminToken() {
    return Optional.ofNullable(generatedAdminToken);
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

package http.admin;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.Member;
import akka.cluster.sharding.typed.GetClusterShardingStats;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import marketplace.ShopAdapter;
import order.OrderEntity;
import sku.SkuEntity;

/**
 * {@code GET /admin/cluster}: members with status and roles, who is unreachable, the leader, and how many shards and
 * entities of each entity type every node hosts (so a rebalance after a node joins or leaves can be watched).
 */
public final class ClusterRoutes extends AllDirectives {

  /** {@code uid}: the incarnation; a node restarted at the same address is a new member with a new uid. */
  public record MemberView(String address, long uid, String status, List<String> roles, boolean reachable) {}

  /** Per entity type: node address → {shards, entities}. An error names a type whose stats did not arrive. */
  public record ShardView(String entityType, Map<String, Map<String, Integer>> nodes, String error) {}

  public record ClusterView(String self, String selfStatus, String leader, List<MemberView> members,
                            List<String> unreachable, List<ShardView> sharding) {}

  private static final List<EntityTypeKey<?>> TYPES = List.of(
      SkuEntity.ENTITY_TYPE_KEY, OrderEntity.ENTITY_TYPE_KEY, ShopAdapter.ENTITY_TYPE_KEY);

  private final ActorSystem<?> system;
  private final Json json;
  private final Duration timeout;

  public ClusterRoutes(ActorSystem<?> system, Json json) {
    this.timeout = AskTimeout.of(system);
    this.system = system;
    this.json = json;
  }

  public Route route() {
    return pathPrefix("admin", () -> path("cluster", () -> get(() ->
        onSuccess(view(), view -> complete(StatusCodes.OK, view, json.marshaller())))));
  }

  public CompletionStage<ClusterView> view() {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    List<String> unreachable = state.getUnreachable().stream().map(m -> m.address().toString()).sorted().toList();
    List<MemberView> members = new ArrayList<>();
    for (Member m : StreamSupport.stream(state.getMembers().spliterator(), false).toList()) {
      members.add(new MemberView(m.address().toString(), m.uniqueAddress().longUid(), m.status().toString(),
          m.getRoles().stream().sorted().toList(), !unreachable.contains(m.address().toString())));
    }
    List<CompletableFuture<ShardView>> shards = TYPES.stream().map(t -> shardView(t).toCompletableFuture()).toList();
    return CompletableFuture.allOf(shards.toArray(CompletableFuture[]::new)).thenApply(v -> new ClusterView(
        cluster.selfMember().address().toString(), cluster.selfMember().status().toString(),
        state.getLeader() == null ? null : state.getLeader().toString(), members, unreachable,
        shards.stream().map(CompletableFuture::join).toList()));
  }

  private CompletionStage<ShardView> shardView(EntityTypeKey<?> type) {
    return AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery, akka.cluster.sharding.ShardRegion.ClusterShardingStats>ask(
            ClusterSharding.get(system).shardState(),
            replyTo -> new GetClusterShardingStats(type, timeout, replyTo), timeout.plusSeconds(1), system.scheduler())
        .thenApply(stats -> {
          Map<String, Map<String, Integer>> nodes = new TreeMap<>();
          stats.getRegions().forEach((address, region) -> {
            int entities = 0;
            for (Object count : region.getStats().values()) entities += ((Number) count).intValue();
            nodes.put(address.toString(), Map.of("shards", region.getStats().size(), "entities", entities));
          });
          return new ShardView(type.name(), nodes, null);
        })
        .exceptionally(e -> new ShardView(type.name(), Map.of(), String.valueOf(e.getMessage())));
  }
}

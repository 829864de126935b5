package sku;

import akka.actor.typed.ActorSystem;

/**
 * Deletes all but the newest {@code keep} snapshots of a SKU after each new one. Akka 2.8 deletes old snapshots
 * only for snapshots taken by {@code RetentionCriteria.snapshotEvery}, not for those of {@code shouldSnapshot}
 * (which {@link SkuState.State#snapshotDue} needs), so this does it: one DELETE on the JDBC snapshot table, on the
 * blocking JDBC dispatcher, never on the entity's thread. Off for other snapshot stores (the test kit's in-memory one).
 */
final class SnapshotPruner implements akka.actor.typed.Extension {
  private static final akka.actor.typed.ExtensionId<SnapshotPruner> ID = new akka.actor.typed.ExtensionId<>() {
    @Override
    public SnapshotPruner createExtension(ActorSystem<?> system) {
      return new SnapshotPruner(system);
    }
  };
  // Keeps the newest `keep` rows of the SKU. Quoted lower-case names: the H2 schema (db/migration/h2) creates them quoted,
  // and PostgreSQL's unquoted names are lower case, so the same SQL runs on both.
  private static final String DELETE_OLDER = "DELETE FROM \"snapshot\" WHERE \"persistence_id\" = ? AND "
      + "\"sequence_number\" < (SELECT min(\"sequence_number\") FROM (SELECT \"sequence_number\" FROM \"snapshot\" "
      + "WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\" DESC LIMIT ?) newest)";

  private final ActorSystem<?> system;
  private final boolean jdbc;

  private SnapshotPruner(ActorSystem<?> system) {
    this.system = system;
    this.jdbc = "jdbc-snapshot-store".equals(system.settings().config().getString("akka.persistence.snapshot-store.plugin"));
  }

  static SnapshotPruner get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  void prune(String sku, int keep) {
    if (!jdbc) return;
    String persistenceId = SkuEntity.persistenceId(sku).id();
    infra.Database.get(system).withConnection(c -> {
      try (var delete = c.prepareStatement(DELETE_OLDER)) {
        delete.setString(1, persistenceId);
        delete.setString(2, persistenceId);
        delete.setInt(3, Math.max(1, keep));
        return delete.executeUpdate();
      }
    }).whenComplete((deleted, error) -> {
      // A failed prune leaves an old snapshot behind; the next snapshot's prune removes it.
      if (error != null) system.log().warn("Old snapshots of SKU {} not deleted: {}", sku, error.getMessage());
    });
  }
}

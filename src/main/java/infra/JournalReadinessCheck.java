package infra;

import akka.actor.typed.javadsl.Adapter;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Akka Management readiness check: the journal database answers. (Cluster membership is checked by Akka.) */
public final class JournalReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final Database database;

  public JournalReadinessCheck(akka.actor.ActorSystem system) {
    this.database = Database.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return database.ping().thenApply(Database.Ping::reachable);
  }
}

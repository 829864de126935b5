package readside;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import java.time.Duration;

/** How the ledger and stock-level projections group events into one transaction ({@code orchestrator.read-side}). */
public record ReadSideGroups(int size, Duration within) {
  public static ReadSideGroups from(ActorSystem<?> system) {
    Config c = system.settings().config().getConfig("orchestrator.read-side");
    return new ReadSideGroups(c.getInt("group-size"), c.getDuration("group-within"));
  }
}

package http.admin;

import akka.actor.typed.ActorSystem;
import java.time.Duration;

/** The one time an admin route waits for what it asks ({@code orchestrator.admin.ask-timeout}). */
final class AskTimeout {
  private AskTimeout() {}

  static Duration of(ActorSystem<?> system) {
    return system.settings().config().getDuration("orchestrator.admin.ask-timeout");
  }
}

package tools.demo;

import akka.actor.typed.ActorSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The admin token the demo uses for its own calls: the one a node without configured tokens generated for this run
 * (orchestrator.admin.generated-token-file), or ORCH_DEMO_ADMIN_TOKEN when tokens are configured.
 */
final class DemoAccess {
  private DemoAccess() {}

  static String operatorToken(ActorSystem<?> system) {
    String given = System.getenv("ORCH_DEMO_ADMIN_TOKEN");
    if (given != null && !given.isBlank()) return given.trim();
    Path file = Path.of(system.settings().config().getString("orchestrator.admin.generated-token-file"));
    try {
      return Files.exists(file) ? Files.readString(file).trim() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}

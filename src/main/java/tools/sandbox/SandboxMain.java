package tools.sandbox;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** {@code orchestrator sandbox}: the marketplace stand-ins as their own process, until it is stopped. */
public final class SandboxMain {
  private SandboxMain() {}

  public static void run(Config appConfig) {
    // A plain local actor system: the sandbox needs no cluster, journal or remoting.
    Config config = ConfigFactory.parseString("""
        akka.actor.provider = local
        akka.coordinated-shutdown.exit-jvm = on
        """).withFallback(appConfig);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "Sandbox", config);
    Sandbox sandbox = Sandbox.start(system, config);
    System.out.println("Marketplace sandbox up: " + sandbox.baseUrl()
        + " (/shopee, /tiktok, /whatsapp; control API under /control)");
  }
}

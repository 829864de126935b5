package demo;

import akka.actor.typed.ActorSystem;

/** The admin token the demo uses for its own calls (none while the admin API is open). */
final class DemoAccess {
  private DemoAccess() {}

  static String operatorToken(ActorSystem<?> system) {
    return null;
  }
}

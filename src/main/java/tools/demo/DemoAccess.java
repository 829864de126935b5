package tools.demo;

import akka.actor.typed.ActorSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The admin token the demo uses for its own calls: the one a node without configured tokens generated for this run
 * (orchestrator.admin.generated-token-file), or ORCH_DEMO_ADMIN_TOKEN when tokens are configured.
 */
final class DemoAccess {
  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient(); // follows no redirect
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private DemoAccess() {}

  /**
   * Connects the channel's sandbox shop as a seller would: the operator's POST /admin/shops/{channel}/connect gives
   * the platform's authorisation link; the "browser" opens it (the sandbox's page authorises at once and redirects
   * back with a code and the state); the node's redirect endpoint exchanges the code and records the shop.
   */
  static String connect(String url, String token, String channel) throws Exception {
    var link = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/admin/shops/" + channel
        + "/connect")).header("Authorization", "Bearer " + token)
        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    if (link.statusCode() != 200) throw new IllegalStateException("connect " + channel + ": " + link.body());
    String authorization = JSON.readTree(link.body()).get("authorizationUrl").asText();
    var page = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(authorization)).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    String back = page.headers().firstValue("Location").orElseThrow(() ->
        new IllegalStateException(channel + " authorisation page answered " + page.statusCode() + ": " + page.body()));
    var done = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(back)).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (done.statusCode() != 200) throw new IllegalStateException(channel + " redirect: " + done.body());
    StringBuilder shops = new StringBuilder();
    for (var shop : JSON.readTree(done.body()).get("shops")) {
      shops.append(shops.length() == 0 ? "" : ", ").append(shop.get("shopId").asText());
    }
    return "Connected " + channel + " shop " + shops + " through onboarding (authorisation link, the sandbox's "
        + "authorisation page, redirect with code and one-time state)";
  }

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

package http.admin;

import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import http.ApiErrors;
import http.Json;
import http.Replies;
import infra.Metrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * One directive in front of every {@code /admin} route: a bearer token whose SHA-256 matches a configured one (else
 * 401 with {@code WWW-Authenticate: Bearer}), a role that allows the method (viewer: GET and HEAD; operator: all,
 * else 403), a body no larger than {@code orchestrator.admin.max-body} (else 413). The token's name is handed to
 * the routes as the actor recorded in entity events, and told back by {@code GET /admin/me}. Other paths pass
 * through untouched.
 */
public final class AdminAuth extends AllDirectives {
  private static final String REALM = "orchestrator-admin";
  private static final int MAX_TOKEN_LENGTH = 512;

  private final List<AdminTokens.Token> tokens;
  private final long maxBody;
  private final Replies replies;
  private final Metrics metrics;
  private final Json json;

  /**
   * {@code GET /admin/me}: whom the presented token names and what it may do, so the dashboard can show a viewer
   * its actions disabled instead of letting it try them.
   */
  public record Identity(String name, String role) {}
  private final ApiErrors errors;

  public AdminAuth(List<AdminTokens.Token> tokens, long maxBody, Json json, Metrics metrics) {
    this.json = json;
    this.tokens = List.copyOf(tokens);
    this.maxBody = maxBody;
    this.replies = new Replies(json);
    this.errors = new ApiErrors(json);
    this.metrics = metrics;
  }

  /** @param routes the admin routes, built for the authenticated token's name */
  public Route route(Function<String, Route> routes) {
    return pathPrefixTest("admin", () -> extractRequest(request -> {
      String presented = bearer(request);
      AdminTokens.Token token = presented == null ? null : find(presented);
      if (token == null) {
        return unauthorized(presented == null ? "a bearer token is required (Authorization: Bearer <token>)"
            : "the bearer token is not valid");
      }
      if (!allows(token.role(), request.method())) {
        metrics.adminRefused(403);
        return replies.error(StatusCodes.FORBIDDEN,
            "token '" + token.name() + "' has role viewer: it may read (GET), not " + request.method().name());
      }
      OptionalLong length = request.entity().getContentLengthOption();
      if (length.isPresent() && length.getAsLong() > maxBody) return tooLarge();
      return withSizeLimit(maxBody, () -> concat(
          pathPrefix("admin", () -> path("me", () -> get(() -> complete(StatusCodes.OK,
              new Identity(token.name(), token.role().name().toLowerCase(Locale.ROOT)), json.marshaller())))),
          routes.apply(token.name())));
    }));
  }

  static boolean allows(AdminTokens.Role role, HttpMethod method) {
    return role == AdminTokens.Role.OPERATOR || method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD);
  }

  /** The token after "Bearer ", or null when there is none. */
  private static String bearer(HttpRequest request) {
    String value = request.getHeader("Authorization").map(h -> h.value()).orElse(null);
    if (value == null || value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return null;
    }
    String token = value.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** Compares the presented token's hash with every configured hash, in constant time, without stopping early. */
  AdminTokens.Token find(String presented) {
    if (presented.length() > MAX_TOKEN_LENGTH) return null;
    byte[] hash = AdminTokens.sha256(presented.getBytes(StandardCharsets.UTF_8));
    AdminTokens.Token match = null;
    for (AdminTokens.Token token : tokens) {
      if (MessageDigest.isEqual(hash, token.sha256()) && match == null) match = token;
    }
    return match;
  }

  private Route unauthorized(String message) {
    metrics.adminRefused(401);
    return complete(HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED)
        .addHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2(REALM)))
        .withEntity(errors.jsonEntity("unauthorized", message)));
  }

  private Route tooLarge() {
    return replies.error(StatusCodes.PAYLOAD_TOO_LARGE, "admin request bodies are limited to " + maxBody + " bytes");
  }
}

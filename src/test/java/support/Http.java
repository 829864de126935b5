package support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain JDK HTTP client for end-to-end tests against a real bound port. Requests to {@code /admin} that carry no
 * Authorization header get the test operator's bearer token ({@link TestConfig#OPERATOR_TOKEN}); {@link #sendAsIs}
 * sends a request exactly as built (authentication tests).
 */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Http() {}

  public static HttpResponse<String> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build());
  }

  public static HttpResponse<String> send(HttpRequest request) {
    boolean admin = request.uri().getRawPath() != null && request.uri().getRawPath().startsWith("/admin");
    if (admin && request.headers().firstValue("Authorization").isEmpty()) {
      request = HttpRequest.newBuilder(request, (name, value) -> true)
          .header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN).build();
    }
    return sendAsIs(request);
  }

  public static HttpResponse<String> sendAsIs(HttpRequest request) {
    try {
      try {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        // A pooled keep-alive connection the server had just closed (after an error answer): nothing was sent on
        // it, so sending once more on a fresh connection is what any client does.
        if (!String.valueOf(e.getMessage()).contains("received no bytes")) throw e;
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code url} until it answers {@code status} or {@code timeout} passes; returns the last response. */
  public static HttpResponse<String> awaitStatus(String url, int status, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get(url);
        if (last.statusCode() == status) return last;
      } catch (IllegalStateException connectionRefused) {
        // not bound yet
      }
      Thread.sleep(200);
    }
    return last;
  }
}

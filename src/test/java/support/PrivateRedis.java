package support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server of the test's own (a child process on a free port, nothing saved), so a test can stop it and start
 * it again on the same port without touching the machine's shared Redis on 6379 that other tests use.
 */
public final class PrivateRedis implements AutoCloseable {
  public final int port;
  private final Path dir;
  private Process process;

  private PrivateRedis(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  public static PrivateRedis start() {
    try {
      PrivateRedis redis = new PrivateRedis(TestConfig.freePort(), Files.createTempDirectory("orch-redis-"));
      redis.resume();
      return redis;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public void resume() {
    try {
      process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString()))
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("redis-server could not be started", e);
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (ping()) return;
      sleep(50);
    }
    throw new IllegalStateException("private Redis did not start on port " + port);
  }

  /** Stops the server at once (SIGKILL: connections are cut, nothing is kept). */
  public void stop() {
    if (process == null) return;
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private boolean ping() {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16];
      int n = in.read(buffer);
      return n > 0 && new String(buffer, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException notYet) {
      return false;
    }
  }

  @Override
  public void close() {
    stop();
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temporary directory
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

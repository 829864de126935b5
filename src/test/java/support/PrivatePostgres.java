package support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of the test's own (initdb into a temporary directory, another port, run as the postgres user),
 * so fault tests can stop and start it without disturbing other tests or the machine's database.
 */
public final class PrivatePostgres implements AutoCloseable {
  private final Path dataDir;
  private final Path bin;
  public final int port;

  private PrivatePostgres(Path dataDir, Path bin, int port) {
    this.dataDir = dataDir;
    this.bin = bin;
    this.port = port;
  }

  public static PrivatePostgres start() {
    try {
      Path bin = findBin();
      Path dir = Files.createTempDirectory("orch-pg-");
      run("chown", "postgres:postgres", dir.toString());
      asPostgres(bin.resolve("initdb").toString(), "-D", dir.toString(), "-A", "trust", "-U", "postgres",
          "--no-sync", "-E", "UTF8");
      PrivatePostgres pg = new PrivatePostgres(dir, bin, TestConfig.freePort());
      pg.resume();
      return pg;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Stops the server at once (fast shutdown: connections are cut). */
  public void stop() {
    asPostgres(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop");
  }

  public void resume() {
    asPostgres(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-l",
        dataDir.resolve("server.log").toString(), "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c max_connections=200", "start");
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      try (Connection c = DriverManager.getConnection(url(), "postgres", "")) {
        return;
      } catch (Exception notYet) {
        sleep(100);
      }
    }
    throw new IllegalStateException("private PostgreSQL did not start on port " + port);
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (RuntimeException alreadyStopped) {
      // fine
    }
    try (var paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temporary directory
    }
  }

  private static Path findBin() throws IOException {
    try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.max(Comparator.comparing(p -> Integer.parseInt(p.getFileName().toString())))
          .map(p -> p.resolve("bin")).orElseThrow(() -> new IllegalStateException("PostgreSQL binaries not found"));
    }
  }

  private static void asPostgres(String... command) {
    List<String> full = new ArrayList<>();
    if (!"postgres".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    run(full.toArray(String[]::new));
  }

  private static void run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
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

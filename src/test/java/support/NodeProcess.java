package support;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An orchestrator node in its own JVM (the test classpath, {@code app.ServiceMain serve}), so fault tests can kill it with
 * SIGKILL like a crashed machine. Settings go in as system properties, which override application.conf.
 */
public final class NodeProcess implements AutoCloseable {
  public final int index;
  public final int httpPort;
  public final int managementPort;
  public final int remotePort;
  /** The address others reach remoting and management at, and the one the public port is reached at. */
  public final String clusterHost;
  public final String serviceHost;
  private final List<String> launcher;
  private final Map<String, String> settings;
  private final Path log;
  private Process process;

  /** A node on this machine's loopback, on free ports. */
  public NodeProcess(int index, Map<String, String> settings) {
    this(index, settings, List.of(), "127.0.0.1", "127.0.0.1", TestConfig.freePort(), TestConfig.freePort(),
        TestConfig.freePort());
  }

  /**
   * A node started through {@code launcher} (e.g. {@code ip netns exec <ns>}: a host of its own), its remoting and
   * management on {@code clusterHost}, its public port on {@code serviceHost}.
   */
  public NodeProcess(int index, Map<String, String> settings, List<String> launcher, String clusterHost,
                     String serviceHost, int httpPort, int managementPort, int remotePort) {
    this.index = index;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
    this.remotePort = remotePort;
    this.clusterHost = clusterHost;
    this.serviceHost = serviceHost;
    this.launcher = launcher;
    this.settings = settings;
    try {
      this.log = Files.createTempFile("orch-node-" + index + "-", ".log");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String address() {
    return "akka://Orchestrator@" + clusterHost + ":" + remotePort;
  }

  public String url(String path) {
    return "http://" + serviceHost + ":" + httpPort + path;
  }

  public NodeProcess start(List<String> seedNodes) {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dorchestrator.http.port=" + httpPort);
    command.add("-Dakka.management.http.port=" + managementPort);
    command.add("-Dakka.remote.artery.canonical.port=" + remotePort);
    if (!seedNodes.isEmpty()) command.add("-Dorchestrator.cluster.seed-nodes=" + String.join(",", seedNodes));
    command.add("-Dorchestrator.admin.tokens=" + TestConfig.ADMIN_TOKENS);
    settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("app.ServiceMain");
    command.add("serve");
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  public void awaitHealthy(Duration timeout) throws InterruptedException {
    HttpResponse<String> r = Http.awaitStatus(url("/health"), 200, timeout);
    if (r == null || r.statusCode() != 200) {
      throw new IllegalStateException("node " + index + " not healthy: " + (r == null ? "no answer" : details())
          + "\n" + tail());
    }
  }

  /** The node's own account of its health ({@code /admin/health}: cluster, journal, heap), for a failure message. */
  private String details() {
    try {
      return Http.get(url("/admin/health")).body();
    } catch (RuntimeException e) {
      return "no answer from /admin/health: " + e.getMessage();
    }
  }

  /** SIGKILL: no shutdown hooks, no leaving the cluster. */
  public void kill() {
    if (process != null) process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM: CoordinatedShutdown drains HTTP, leaves the cluster and hands its shards over. */
  public void stop() {
    if (process != null) process.destroy();
    waitFor();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  private void waitFor() {
    try {
      if (process != null) process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Keeps a copy of this node's whole log in {@code dir} (fault tests: read it after a failure). */
  public void copyLogTo(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.copy(log, dir.resolve("node-" + index + "-" + remotePort + ".log"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // the log is only for reading after a failure
    }
  }

  @Override
  public void close() {
    if (alive()) kill();
    new File(log.toString()).delete();
  }
}

package support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hosts of their own on this machine: one Linux network namespace per host, each with its own addresses on two
 * networks made of veth pairs and a bridge in the test's namespace:
 * <ul>
 *   <li>the cluster network ({@link #clusterIp}): remoting and Akka Management, node to node; cutting a host's link
 *       here partitions it from the other nodes while it keeps running;</li>
 *   <li>the service network ({@link #serviceIp}): what the rest of the world reaches the host on (webhooks from the
 *       marketplaces through the load balancer, the admin API) and what it reaches (PostgreSQL, the marketplaces),
 *       all of which live in the test's namespace at {@link #SERVICE_GATEWAY}.</li>
 * </ul>
 * Needs root and {@code ip} (iproute2). Names carry the prefix "orn"/"orc"/"ors"; leftovers of an earlier run are
 * removed first.
 */
public final class HostNetwork implements AutoCloseable {
  public static final String CLUSTER_GATEWAY = "10.231.1.1";
  public static final String SERVICE_GATEWAY = "10.231.2.1";
  private static final String CLUSTER_BRIDGE = "orcbr";
  private static final String SERVICE_BRIDGE = "orsbr";

  private final int hosts;

  private HostNetwork(int hosts) {
    this.hosts = hosts;
  }

  /** Creates {@code hosts} namespaces (1..hosts) on both networks, every link up. */
  public static HostNetwork create(int hosts) {
    HostNetwork net = new HostNetwork(hosts);
    removeLeftovers();
    try {
      bridge(CLUSTER_BRIDGE, CLUSTER_GATEWAY);
      bridge(SERVICE_BRIDGE, SERVICE_GATEWAY);
      for (int i = 1; i <= hosts; i++) {
        String ns = namespace(i);
        ip("netns", "add", ns);
        ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
        veth(ns, "orc" + i, "c0", CLUSTER_BRIDGE, clusterIp(i));
        veth(ns, "ors" + i, "s0", SERVICE_BRIDGE, serviceIp(i));
      }
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  public static String namespace(int host) {
    return "orn" + host;
  }

  public static String clusterIp(int host) {
    return "10.231.1." + (10 + host);
  }

  public static String serviceIp(int host) {
    return "10.231.2." + (10 + host);
  }

  /** The command prefix that runs a program on {@code host}. */
  public static List<String> launcher(int host) {
    return List.of("ip", "netns", "exec", namespace(host));
  }

  /** Drops {@code host}'s cluster link (its side of the bridge): it no longer reaches, nor is reached by, the others. */
  public void cutFromCluster(int host) {
    ip("link", "set", "orc" + host, "down");
  }

  public void restoreCluster(int host) {
    ip("link", "set", "orc" + host, "up");
  }

  /** Whether this machine can make the namespaces (root, iproute2); the reason when it cannot. */
  public static String unavailableReason() {
    try {
      Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return "`ip netns list` failed: " + out;
      String user = System.getProperty("user.name");
      if (!"root".equals(user)) return "network namespaces need root; running as " + user;
      return null;
    } catch (IOException e) {
      return "no `ip` command (iproute2): " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static void bridge(String name, String gateway) {
    ip("link", "add", name, "type", "bridge");
    ip("addr", "add", gateway + "/24", "dev", name);
    ip("link", "set", name, "up");
  }

  private static void veth(String ns, String hostSide, String nsSide, String bridge, String address) {
    String peer = hostSide + "p";
    ip("link", "add", hostSide, "type", "veth", "peer", "name", peer);
    ip("link", "set", peer, "netns", ns);
    ip("netns", "exec", ns, "ip", "link", "set", peer, "name", nsSide);
    ip("netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", nsSide);
    ip("netns", "exec", ns, "ip", "link", "set", nsSide, "up");
    ip("link", "set", hostSide, "master", bridge);
    ip("link", "set", hostSide, "up");
  }

  private static void removeLeftovers() {
    for (int i = 1; i <= 9; i++) {
      quietly("netns", "del", namespace(i)); // takes its veth ends, and so their peers, with it
      quietly("link", "del", "orc" + i);
      quietly("link", "del", "ors" + i);
    }
    quietly("link", "del", CLUSTER_BRIDGE);
    quietly("link", "del", SERVICE_BRIDGE);
  }

  static void ip(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    String out = run(command);
    if (out != null) throw new IllegalStateException(String.join(" ", command) + ": " + out);
  }

  private static void quietly(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    run(command);
  }

  /** Runs a command; null when it succeeded, else its output. */
  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out.strip();
    } catch (IOException e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  @Override
  public void close() {
    for (int i = 1; i <= hosts; i++) quietly("netns", "del", namespace(i));
    quietly("link", "del", CLUSTER_BRIDGE);
    quietly("link", "del", SERVICE_BRIDGE);
  }
}

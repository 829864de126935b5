package infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports no one listens on, for servers started a moment later (a node JVM, a private PostgreSQL) by the tests and
 * the benchmarks. Taken below Linux's ephemeral range (32768-60999): a port-0 pick lies in that range, so an
 * outgoing connection (or a port-0 bind) could take it before the server binds it, which a fault test run hit
 * ("Address already in use" for a node's HTTP port). Ports here are never given to outgoing connections, and none
 * is handed out twice by this JVM.
 */
public final class FreePorts {
  private static final int RANGE_START = 20000;
  private static final int RANGE_END = 32000;
  // A random start, so JVMs that follow each other do not reuse the same ports at once.
  private static final AtomicInteger next = new AtomicInteger(ThreadLocalRandom.current().nextInt(RANGE_END - RANGE_START));
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  public static int next() {
    for (int attempt = 0; attempt < RANGE_END - RANGE_START; attempt++) {
      int port = RANGE_START + Math.floorMod(next.getAndIncrement(), RANGE_END - RANGE_START);
      if (!handedOut.add(port)) continue;
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // someone listens there: the next one
      }
    }
    throw new IllegalStateException("no free port in " + RANGE_START + "-" + RANGE_END);
  }
}

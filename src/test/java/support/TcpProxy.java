package support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder from {@code listenHost:port} to {@code target}, one thread pair per connection, that can be cut
 * like a network path whose packets are dropped: while {@link #cut()} no byte moves either way and new connections
 * are accepted but not forwarded (a client sees its queries hang until its own timeouts, as behind a dead link,
 * not a refused connection). {@link #restore()} lets everything flow again.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean closed;

  public TcpProxy(String listenHost, InetSocketAddress target) {
    this.target = target;
    try {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(listenHost, 0));
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on " + listenHost, e);
    }
    Thread acceptor = new Thread(this::accept, "tcp-proxy-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public void cut() {
    cut = true;
  }

  public void restore() {
    synchronized (gate) {
      cut = false;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread t = new Thread(() -> connect(client), "tcp-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) sleepQuietly(50);
      }
    }
  }

  private void connect(Socket client) {
    try {
      awaitOpen();
      Socket upstream = new Socket();
      sockets.add(upstream);
      upstream.connect(target, 5000);
      upstream.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
      Thread back = new Thread(() -> pump(upstream, client), "tcp-proxy-back");
      back.setDaemon(true);
      back.start();
      pump(client, upstream);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitOpen();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // either side gone
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void awaitOpen() throws InterruptedException {
    synchronized (gate) {
      while (cut && !closed) gate.wait(200);
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    restore();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) closeQuietly(s);
  }
}

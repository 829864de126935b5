package tools.sandbox;

import common.Channel;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who is told when a listing's shown quantity changes. The stock stand-ins call {@link #shown} while they hold the
 * listing's lock, so one listing's notifications arrive in the order of its changes.
 */
final class ShownListeners {
  private final List<Storefront.ShownListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();

  void add(Storefront.ShownListener listener) {
    listeners.add(listener);
  }

  void clear() {
    listeners.clear();
  }

  long failures() {
    return failures.get();
  }

  void shown(Channel channel, String listingId, int shown) {
    if (listeners.isEmpty()) return;
    Instant at = Instant.now();
    for (Storefront.ShownListener l : listeners) {
      try {
        l.shown(channel, listingId, shown, at);
      } catch (RuntimeException e) {
        // a listener's bug must not change what the marketplace answers the caller; it is counted instead
        failures.incrementAndGet();
      }
    }
  }
}

package marketplace;

import akka.actor.typed.ActorRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;

/**
 * A shop adapter's detail fetches, batched: the first request goes out at once, the ones that arrive while calls are
 * in flight wait and leave together (up to 50 order numbers per call, the platforms' limit), so a flash sale of 2,000
 * orders costs tens of calls, not thousands, against a per-shop rate limit. It decides; the actor calls and answers.
 */
final class OrderFetchBatcher {
  static final int MAX_ORDERS_PER_CALL = 50;
  static final int MAX_CALLS_IN_FLIGHT = 4;

  /** Order id → everyone waiting for it, in arrival order. */
  private final Map<String, List<ActorRef<ShopAdapter.FetchReply>>> waiting = new LinkedHashMap<>();
  private final Queue<String> queue = new ArrayDeque<>();
  private int callsInFlight;

  void add(String orderId, ActorRef<ShopAdapter.FetchReply> replyTo) {
    List<ActorRef<ShopAdapter.FetchReply>> replyTos = waiting.get(orderId);
    if (replyTos == null) {
      waiting.put(orderId, new ArrayList<>(List.of(replyTo)));
      queue.add(orderId);
    } else if (!replyTos.contains(replyTo)) {
      replyTos.add(replyTo); // already queued or in flight: answered with the same call
    }
  }

  /** The order ids of the next call (up to 50 queued ones), or empty when calls are at the cap or none is queued. */
  Optional<List<String>> nextCall() {
    if (callsInFlight >= MAX_CALLS_IN_FLIGHT || queue.isEmpty()) return Optional.empty();
    List<String> ids = new ArrayList<>();
    while (ids.size() < MAX_ORDERS_PER_CALL && !queue.isEmpty()) ids.add(queue.poll());
    callsInFlight++;
    return Optional.of(ids);
  }

  /** A call ended: everyone who waits for each of its orders, by order id (an id nobody waits for is left out). */
  Map<String, List<ActorRef<ShopAdapter.FetchReply>>> callEnded(List<String> orderIds) {
    callsInFlight--;
    Map<String, List<ActorRef<ShopAdapter.FetchReply>>> answered = new LinkedHashMap<>();
    for (String id : orderIds) {
      List<ActorRef<ShopAdapter.FetchReply>> replyTos = waiting.remove(id);
      if (replyTos != null) answered.put(id, replyTos);
    }
    return answered;
  }
}

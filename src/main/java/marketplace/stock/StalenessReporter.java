package marketplace.stock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.Cluster;
import common.CborSerializable;
import java.util.List;

/**
 * One per node, registered with the Receptionist under {@link #KEY}: answers {@link GetSlots} with this node's raw
 * staleness slots ({@link StockStaleness#slots}) so that any node can draw the whole cluster's sale chart
 * ({@link StalenessGathering}). The answer comes in pages of at most {@value #SLOTS_PER_PAGE} slots: an hour of a
 * busy sale is 360 slots x 3 channels x 256 samples, more than Artery's 256 KiB frame, and an oversized message
 * would be dropped (the node would never answer); a page is at most ~45 KB. Reading the slots is a copy of in-memory
 * arrays under a short lock: nothing blocks.
 */
public final class StalenessReporter {
  public static final ServiceKey<GetSlots> KEY = ServiceKey.create(GetSlots.class, "stock-staleness-reporter");
  static final int SLOTS_PER_PAGE = 32;

  /** This node's slots numbered {@code fromSlot} (inclusive) to {@code toSlot} (exclusive), epoch seconds / 10. */
  public record GetSlots(long fromSlot, long toSlot, ActorRef<SlotsPage> replyTo) implements CborSerializable {}

  /** Page {@code page} (from 0) of {@code pages} of {@code node}'s answer (its cluster address). */
  public record SlotsPage(String node, int page, int pages, List<StalenessSlots.Slot> slots)
      implements CborSerializable {}

  private StalenessReporter() {}

  /** Starts this node's reporter (Node.start). */
  public static ActorRef<GetSlots> init(ActorSystem<?> system) {
    return system.systemActorOf(create(), "stock-staleness-reporter", akka.actor.typed.Props.empty());
  }

  static Behavior<GetSlots> create() {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      String node = Cluster.get(ctx.getSystem()).selfMember().address().toString();
      StockStaleness staleness = StockStaleness.get(ctx.getSystem());
      return Behaviors.receiveMessage(get -> {
        List<StalenessSlots.Slot> slots = staleness.slots(get.fromSlot(), get.toSlot());
        int pages = Math.max(1, (slots.size() + SLOTS_PER_PAGE - 1) / SLOTS_PER_PAGE);
        for (int page = 0; page < pages; page++) {
          List<StalenessSlots.Slot> part = slots.subList(page * SLOTS_PER_PAGE,
              Math.min(slots.size(), (page + 1) * SLOTS_PER_PAGE));
          get.replyTo().tell(new SlotsPage(node, page, pages, List.copyOf(part)));
        }
        return Behaviors.same();
      });
    });
  }
}

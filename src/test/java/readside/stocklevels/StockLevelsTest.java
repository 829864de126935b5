package readside.stocklevels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import sku.Listing;
import sku.PushRules.ChannelRule;
import sku.PushRules;
import sku.SkuEntity.Summary;
import sku.SkuEntity;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuEvents;
import sku.SkuState.State;
import sku.SkuStateAccess;

/**
 * {@link StockLevels} (what the stock levels read side keeps) follows the same events as the entity's {@link State}:
 * over random histories of batches (reserve, release, commit, return, hold cleared, expiry) and admin events, the
 * numbers and what each listing shows are always the entity's own.
 */
class StockLevelsTest {
  private static final Instant NOW = Instant.parse("2024-06-01T00:00:00Z");

  @Test
  void levelsFollowTheEntityStateOverRandomHistories() {
    Random random = new Random(42);
    for (int run = 0; run < 300; run++) {
      State state = new State("sku-" + run);
      StockLevels levels = StockLevels.empty();
      List<String> keys = new ArrayList<>();
      for (int step = 0; step < 60; step++) {
        Event event = randomEvent(random, state, keys);
        if (event == null) continue;
        SkuStateAccess.apply(state, event, 20);
        levels = levels.after(event);
        Summary summary = SkuStateAccess.summary(state);
        String where = "run " + run + " step " + step + " after " + event.describe();
        assertEquals(summary.exists(), levels.exists(), where);
        assertEquals(summary.onHand(), levels.onHand(), where);
        assertEquals(summary.reserved(), levels.reserved(), where);
        assertEquals(summary.safetyStock(), levels.safetyStock(), where);
        assertEquals(summary.available(), levels.available(), where);
        assertEquals(summary.listings(), levels.listings(), where);
        assertEquals(summary.shown(), levels.shown(), where);
      }
    }
  }

  private static Event randomEvent(Random random, State state, List<String> keys) {
    int pick = random.nextInt(10);
    if (!state.exists() || pick == 0) {
      return new SkuEvents.StockSet(random.nextInt(50), state.onHand(), 0, List.of(), true, "t", NOW);
    }
    if (pick == 1) {
      return new SkuEvents.StockAdjusted(5, SkuEvents.AdjustReason.RECEIVED, state.onHand() + 5, 0, List.of(), false,
          "t", NOW);
    }
    if (pick == 2) return new SkuEvents.SafetyStockSet(random.nextInt(6), "t", NOW);
    if (pick == 3) {
      Listing listing = switch (random.nextInt(3)) {
        case 0 -> Listing.shopee("s" + random.nextInt(2), "1", "0");
        case 1 -> Listing.tiktok("t" + random.nextInt(2), "p", "k");
        default -> Listing.whatsapp("w1");
      };
      return random.nextInt(4) == 0
          ? new SkuEvents.ListingRemoved(listing.channel(), listing.shopId(), "t", NOW)
          : new SkuEvents.ListingPut(listing, "t", NOW);
    }
    if (pick == 4) {
      return new SkuEvents.PushRulesSet(new PushRules(Map.of(Channel.WHATSAPP,
          new ChannelRule(null, null, null, random.nextInt(4)), Channel.TIKTOK, new ChannelRule(3, 50, null, null))),
          "t", NOW);
    }
    // a batch decided against the state exactly as the entity does
    List<SkuEntity.ReservationCommand> commands = new ArrayList<>();
    int size = 1 + random.nextInt(8);
    for (int i = 0; i < size; i++) {
      String key = keys.isEmpty() || random.nextInt(3) == 0 ? "o-" + keys.size() : keys.get(random.nextInt(keys.size()));
      if (!keys.contains(key)) keys.add(key);
      SkuEntity.ReservationCommand command = switch (random.nextInt(5)) {
        case 0, 1 -> new SkuEntity.Reserve(key, 1 + random.nextInt(4), random.nextBoolean() ? NOW : null, null);
        case 2 -> new SkuEntity.Release(key, null);
        case 3 -> random.nextBoolean() ? new SkuEntity.Commit(key, null) : new SkuEntity.ClearHold(key, null);
        default -> new SkuEntity.ReturnToStock(key, 1 + random.nextInt(3), "t", null);
      };
      commands.add(command);
    }
    List<Change> changes = new ArrayList<>(SkuStateAccess.decide(state, commands));
    if (random.nextInt(6) == 0) {
      // hold expiry: every held reservation with a hold expires in one event
      for (Change.Expired expired : SkuStateAccess.dueExpiries(state, NOW.plusSeconds(1), 1000)) {
        if (changes.stream().noneMatch(c -> c.orderKey().equals(expired.orderKey()))) changes.add(expired);
      }
    }
    return changes.isEmpty() ? null : new SkuEvents.ReservationsApplied(changes, NOW);
  }
}

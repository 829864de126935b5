package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import sku.PushRules.ChannelRule;

/** The pure push-rule function: fixed examples and a property over many random rule sets. */
class SkuShownQuantitiesTest {
  private static final List<Listing> THREE_CHANNELS = List.of(
      Listing.shopee("s1", "1", "0"), Listing.tiktok("t1", "p", "k"), Listing.whatsapp("w1"));

  @Test
  void withoutRulesEveryListingShowsAvailable() {
    assertEquals(Map.of("shopee:s1", 7, "tiktok:t1", 7, "whatsapp:w1", 7),
        PushRules.shownQuantities(7, THREE_CHANNELS, PushRules.NONE));
    assertEquals(Map.of(), PushRules.shownQuantities(7, List.of(), PushRules.NONE));
  }

  @Test
  void rulesLowerWhatAChannelShows() {
    PushRules rules = new PushRules(Map.of(
        Channel.SHOPEE, new ChannelRule(10, null, null, null),   // show 0 while available < 10
        Channel.TIKTOK, new ChannelRule(null, 50, null, null),   // half, rounded down
        Channel.WHATSAPP, new ChannelRule(null, null, 3, null))); // at most 3
    assertEquals(Map.of("shopee:s1", 0, "tiktok:t1", 4, "whatsapp:w1", 3),
        PushRules.shownQuantities(9, THREE_CHANNELS, rules));
    assertEquals(Map.of("shopee:s1", 10, "tiktok:t1", 5, "whatsapp:w1", 3),
        PushRules.shownQuantities(10, THREE_CHANNELS, rules));
  }

  @Test
  void allocationKeepsUnitsForAChannelAndPartitionsTheRest() {
    PushRules rules = new PushRules(Map.of(Channel.WHATSAPP, new ChannelRule(null, null, null, 4)));
    // 10 available: 4 kept for WhatsApp, 6 split between Shopee and TikTok
    assertEquals(Map.of("shopee:s1", 3, "tiktok:t1", 3, "whatsapp:w1", 4),
        PushRules.shownQuantities(10, THREE_CHANNELS, rules));
    // less than the allocation available: all of it goes to WhatsApp
    assertEquals(Map.of("shopee:s1", 0, "tiktok:t1", 0, "whatsapp:w1", 3),
        PushRules.shownQuantities(3, THREE_CHANNELS, rules));
    // an allocation is kept even when its channel has no listing
    PushRules keptForTiktok = new PushRules(Map.of(Channel.TIKTOK, new ChannelRule(null, null, null, 5)));
    assertEquals(Map.of("shopee:s1", 3), PushRules.shownQuantities(8, List.of(Listing.shopee("s1", "1", "0")), keptForTiktok));
  }

  @Test
  void withAllocationShownQuantitiesNeverAddUpToMoreThanAvailable() {
    Random random = new Random(20240611L);
    for (int run = 0; run < 20_000; run++) {
      int available = random.nextInt(4) == 0 ? random.nextInt(5) : random.nextInt(1000);
      List<Listing> listings = randomListings(random);
      PushRules rules = randomRules(random, true);
      Map<String, Integer> shown = PushRules.shownQuantities(available, listings, rules);
      int sum = shown.values().stream().mapToInt(Integer::intValue).sum();
      String context = "available " + available + ", rules " + rules + ", listings " + listings + " -> " + shown;
      assertTrue(sum <= available, context);
      assertEquals(listings.size(), shown.size(), context);
      shown.values().forEach(v -> assertTrue(v >= 0 && v <= available, context));
    }
  }

  @Test
  void withoutAllocationNoListingShowsMoreThanAvailable() {
    Random random = new Random(7L);
    for (int run = 0; run < 5_000; run++) {
      int available = random.nextInt(500);
      List<Listing> listings = randomListings(random);
      PushRules rules = randomRules(random, false);
      Map<String, Integer> shown = PushRules.shownQuantities(available, listings, rules);
      for (Listing l : listings) {
        int v = shown.get(l.key());
        assertTrue(v >= 0 && v <= available, rules + " " + shown);
        ChannelRule rule = rules.rule(l.channel());
        if (rule.maxShown() != null) assertTrue(v <= rule.maxShown());
        if (rule.showZeroBelow() != null && available < rule.showZeroBelow()) assertEquals(0, v);
      }
    }
  }

  private static List<Listing> randomListings(Random random) {
    List<Listing> listings = new ArrayList<>();
    int n = 1 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      String shop = "shop" + i;
      listings.add(switch (random.nextInt(3)) {
        case 0 -> Listing.shopee(shop, "i" + i, "m" + i);
        case 1 -> Listing.tiktok(shop, "p" + i, "s" + i);
        default -> Listing.whatsapp(shop);
      });
    }
    return listings;
  }

  private static PushRules randomRules(Random random, boolean allocation) {
    Map<Channel, ChannelRule> rules = new EnumMap<>(Channel.class);
    boolean anyAllocation = false;
    for (Channel c : Channel.values()) {
      if (random.nextInt(4) == 0) continue;
      Integer alloc = allocation && random.nextBoolean() ? random.nextInt(400) : null;
      anyAllocation |= alloc != null;
      rules.put(c, new ChannelRule(
          random.nextBoolean() ? random.nextInt(50) : null,
          random.nextBoolean() ? random.nextInt(101) : null,
          random.nextBoolean() ? random.nextInt(300) : null,
          alloc));
    }
    if (allocation && !anyAllocation) {
      rules.put(Channel.SHOPEE, new ChannelRule(null, null, null, random.nextInt(100)));
    }
    return new PushRules(rules);
  }
}

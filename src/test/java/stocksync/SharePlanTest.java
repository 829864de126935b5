package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sku.Listing;
import stocksync.SharePlan.Actions;
import stocksync.SharePlan.ListingView;

/** The share plan's rules one by one (the property test covers them together against the real SKU). */
class SharePlanTest {
  static final ShareSettings SETTINGS = new ShareSettings(5, Duration.ofSeconds(15), Duration.ofMillis(250),
      Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofSeconds(2),
      Map.of(Channel.SHOPEE, 1.0, Channel.TIKTOK, 1.0, Channel.WHATSAPP, 1.0), 4);
  static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  ListingView shopee = new ListingView(Listing.shopee("1", "100", "0"), true);
  ListingView tiktok = new ListingView(Listing.tiktok("7", "P1", "S1"), true);
  ListingView whatsapp = new ListingView(Listing.whatsapp("cat"), false);
  List<ListingView> all = List.of(shopee, tiktok, whatsapp);

  private static void book(ListingView v, int exposure) {
    v.exposure(Map.of(v.key, exposure));
  }

  @Test
  void aFirstSaleSplitsAvailableByChannelWeight() {
    Actions a = SharePlan.decide(all, 120, SETTINGS, NOW);
    assertEquals(Map.of(shopee.key, 40, tiktok.key, 40, whatsapp.key, 40), a.grants());
  }

  @Test
  void refillsFollowTheSalesRate() {
    all.forEach(v -> book(v, 0));
    shopee.sold(30, NOW.minusMillis(100), SETTINGS.rateWindow());
    tiktok.sold(10, NOW.minusMillis(100), SETTINGS.rateWindow());
    whatsapp.sold(1, NOW.minusMillis(100), SETTINGS.rateWindow());
    Actions a = SharePlan.decide(all, 60, SETTINGS, NOW);
    assertTrue(a.grants().get(shopee.key) > a.grants().get(tiktok.key), a.toString());
    assertTrue(a.grants().get(tiktok.key) > a.grants().get(whatsapp.key), a.toString());
    assertTrue(a.grants().values().stream().mapToInt(Integer::intValue).sum() <= 60);
  }

  @Test
  void aSkuStartingWithAFewUnitsSpreadsThemAndTellsTheRest0() {
    Actions a = SharePlan.decide(all, 2, SETTINGS, NOW);
    assertEquals(Map.of(shopee.key, 1, tiktok.key, 1), a.grants(),
        "not selling yet: spread (WhatsApp, not pushed, takes unshared units: none left)");
    ListingView third = new ListingView(Listing.shopee("2", "200", "0"), true);
    Actions b = SharePlan.decide(List.of(shopee, tiktok, whatsapp, third), 2, SETTINGS, NOW);
    assertEquals(java.util.Set.of(shopee.key, tiktok.key, third.key), b.grants().keySet(),
        "every pushable listing is told something: one with no share 0, never left as it was");
    assertEquals(2, b.grants().values().stream().mapToInt(Integer::intValue).sum());
    assertTrue(b.grants().containsValue(0));
  }

  @Test
  void theLastUnitsGoToOneListingOnly() {
    all.forEach(v -> book(v, 0));
    tiktok.sold(5, NOW.minusMillis(100), SETTINGS.rateWindow());
    Actions a = SharePlan.decide(all, 4, SETTINGS, NOW);
    assertEquals(Map.of(tiktok.key, 4), a.grants());
  }

  @Test
  void aListingStillHoldingUnitsIsNotRaisedButReadWhileItSells() {
    book(shopee, 10);
    shopee.sold(10, NOW.minusMillis(50), SETTINGS.rateWindow()); // 5 a second: 10 left may be gone unheard
    book(tiktok, 10);
    tiktok.sold(1, NOW.minusMillis(50), SETTINGS.rateWindow()); // selling slowly: 10 left are surely there
    book(whatsapp, 10);
    Actions a = SharePlan.decide(all, 50, SETTINGS, NOW);
    assertFalse(a.grants().containsKey(shopee.key));
    assertEquals(List.of(shopee.key), a.reads(), "only the one that may have sold out unheard is read");
    assertTrue(SharePlan.wantsTick(all, 50, SETTINGS, NOW), "a read may come due");
    shopee.reading = true;
    shopee.read(0, false);
    shopee.reading = false;
    assertTrue(SharePlan.decide(all, 50, SETTINGS, NOW).grants().containsKey(shopee.key),
        "a read of 0 makes it sold out: refilled before its webhooks");
  }

  @Test
  void aReadWithAPushAroundItProvesNothing() {
    book(shopee, 10);
    assertFalse(shopee.read(0, true));
  }

  @Test
  void exposureAboveAvailableLowersTheLargestFirst() {
    book(shopee, 30);
    book(tiktok, 10);
    book(whatsapp, 0);
    Actions a = SharePlan.decide(all, 25, SETTINGS, NOW);
    assertEquals(Map.of(shopee.key, 0), a.grants(), "15 too many: lowering Shopee's 30 covers it");
  }

  @Test
  void aLoweredListingSettlesOnlyAfterSettleAndOnlyWhenLoweredToZero() {
    book(shopee, 6);
    book(tiktok, 0);
    book(whatsapp, 0);
    shopee.granted(0, 42);
    shopee.acknowledged(42, 0, true, true, NOW.minusSeconds(10));
    assertTrue(SharePlan.decide(all, 6, SETTINGS, NOW).settles().isEmpty(), "10 s < settle");
    assertEquals(Map.of(shopee.key, 42L), SharePlan.decide(all, 6, SETTINGS, NOW.plusSeconds(6)).settles());
    shopee.campaignReserved = 3;
    assertTrue(SharePlan.decide(all, 6, SETTINGS, NOW.plusSeconds(6)).settles().isEmpty(),
        "a listing holding a campaign's units never settles");
  }

  @Test
  void aListingAddedAfterTheUnitsWereSharedGetsAnIdleShare() {
    book(shopee, 30);
    book(whatsapp, 0);
    shopee.sold(1, NOW.minusSeconds(30), SETTINGS.rateWindow());
    Actions a = SharePlan.decide(all, 30, SETTINGS, NOW);
    assertEquals(Map.of(shopee.key, 0, tiktok.key, 0), a.grants(),
        "TikTok is new and nothing is free: idle Shopee gives, and TikTok shows 0 until it gets units");
  }

  @Test
  void anIdleShareIsTakenBackForASoldOutListingThatSells() {
    book(shopee, 0);
    shopee.sold(5, NOW.minusMillis(200), SETTINGS.rateWindow());
    book(tiktok, 20);
    tiktok.sold(1, NOW.minusSeconds(10), SETTINGS.rateWindow());
    book(whatsapp, 0);
    Actions a = SharePlan.decide(all, 20, SETTINGS, NOW);
    assertEquals(Map.of(tiktok.key, 0), a.grants(), "the idle TikTok share is lowered to 0, to settle");
    book(tiktok, 0);
    book(whatsapp, 20);
    Actions b = SharePlan.decide(all, 20, SETTINGS, NOW);
    assertEquals(Map.of(whatsapp.key, 20), b.returns(), "WhatsApp's share comes back at once");
  }
}

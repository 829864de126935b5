package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuEvents.ReservationsApplied;
import sku.SkuEvents.StockSet;
import sku.SkuState.Finished;
import sku.SkuState.Outcome;
import sku.SkuState.State;
import support.SkuTestConfig;

/** The SKU's finished order keys, kept by hash, answer exactly as the keys themselves in a bounded LinkedHashMap. */
class FinishedKeysTest {
  private static final ActorTestKit testKit = ActorTestKit.create(SkuTestConfig.CONFIG);
  private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");
  private static final Duration WEEK = Duration.ofDays(7);
  private static final FinishedKeys.Bound BOUND = new FinishedKeys.Bound(50_000, WEEK);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** The behaviour the hashed keys replace: newest last, re-put moves to newest, oldest forgotten past kept. */
  private static void modelPut(LinkedHashMap<String, Finished> model, String key, Finished f, int kept) {
    model.remove(key);
    model.put(key, f);
    Iterator<String> oldest = model.keySet().iterator();
    while (model.size() > kept) {
      oldest.next();
      oldest.remove();
    }
  }

  @Test
  void randomPutsAnswerAsTheBoundedMapDoes() {
    for (int kept : new int[] {1, 3, 17, 500, Integer.MAX_VALUE}) {
      Random random = new Random(kept);
      int pool = kept == Integer.MAX_VALUE ? 3000 : kept * 3 + 5;
      FinishedKeys keys = new FinishedKeys();
      LinkedHashMap<String, Finished> model = new LinkedHashMap<>();
      for (int op = 0; op < 20_000; op++) {
        String key = "shopee:shop-1:" + random.nextInt(pool);
        Finished f = new Finished(Outcome.values()[random.nextInt(4)], random.nextInt(7) - 1);
        keys.put(key, f, AT, new FinishedKeys.Bound(kept, WEEK));
        modelPut(model, key, f, kept);
        assertEquals(model.size(), keys.size(), "kept " + kept + " after op " + op);
        String probe = "shopee:shop-1:" + random.nextInt(pool);
        assertEquals(model.get(probe), keys.get(probe), "kept " + kept + ", " + probe + " after op " + op);
      }
      for (int i = 0; i < pool; i++) {
        String key = "shopee:shop-1:" + i;
        assertEquals(model.get(key), keys.get(key), "kept " + kept + ", " + key);
      }
      FinishedKeys copy = keys.copy();
      assertEquals(keys, copy);
      copy.put("another", new Finished(Outcome.RELEASED, 0), AT, new FinishedKeys.Bound(kept, WEEK));
      assertNotEquals(keys, copy, "a copy is independent of its original");
      assertNull(keys.get("another"));
    }
  }

  @Test
  void aLoweredBoundForgetsTheOldestAtTheNextPut() {
    FinishedKeys keys = new FinishedKeys();
    for (int i = 0; i < 100; i++) keys.put("o" + i, new Finished(Outcome.COMMITTED, i), AT, new FinishedKeys.Bound(100, WEEK));
    keys.put("o100", new Finished(Outcome.RELEASED, 0), AT, new FinishedKeys.Bound(10, WEEK));
    assertEquals(10, keys.size());
    assertNull(keys.get("o90"));
    assertEquals(new Finished(Outcome.COMMITTED, 91), keys.get("o91"));
  }

  @Test
  void fiftyThousandKeysTakeUnderAThirdOfTheMemoryOfTheKeysThemselves() {
    // What the soak measured by key: ~170 bytes each. The arrays here are all the memory the hashed keys hold.
    FinishedKeys keys = new FinishedKeys();
    for (int i = 0; i < 50_000; i++) {
      keys.put("shopee:1234567:2612" + i, new Finished(Outcome.RELEASED, 0), AT, new FinishedKeys.Bound(50_000, WEEK));
    }
    long bytes = 0;
    for (String field : List.of("ringHash", "ringPayload", "ringMinute", "indexHash", "indexSlot")) {
      try {
        var f = FinishedKeys.class.getDeclaredField(field);
        f.setAccessible(true);
        Object array = f.get(keys);
        bytes += (long) java.lang.reflect.Array.getLength(array) * (array instanceof int[] ? 4 : 8);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
    assertTrue(bytes / 50_000 < 62, bytes / 50_000 + " bytes per key");
  }

  @Test
  void keysOlderThanTheTimeBoundAreForgottenAtTheNextPut() {
    FinishedKeys keys = new FinishedKeys();
    FinishedKeys.Bound bound = new FinishedKeys.Bound(1000, Duration.ofHours(1));
    keys.put("early", new Finished(Outcome.COMMITTED, 1), AT, bound);
    keys.put("later", new Finished(Outcome.RELEASED, 2), AT.plus(Duration.ofMinutes(30)), bound);
    keys.put("hour", new Finished(Outcome.RELEASED, 3), AT.plus(Duration.ofMinutes(60)), bound);
    assertEquals(3, keys.size(), "exactly an hour old is still kept");
    keys.put("next", new Finished(Outcome.EXPIRED, 4), AT.plus(Duration.ofMinutes(61)), bound);
    assertNull(keys.get("early"));
    assertEquals(new Finished(Outcome.RELEASED, 2), keys.get("later"));
    keys.put("much-later", new Finished(Outcome.RELEASED, 5), AT.plus(Duration.ofDays(1)), bound);
    assertEquals(1, keys.size());
    assertEquals(new Finished(Outcome.RELEASED, 5), keys.get("much-later"));
  }

  @Test
  void keysOfAnOldSnapshotAreKeptForTheTimeBoundFromTheFirstPutAfterIt() {
    LinkedHashMap<String, Finished> old = new LinkedHashMap<>();
    old.put("a", new Finished(Outcome.COMMITTED, 1));
    old.put("b", new Finished(Outcome.RELEASED, 0));
    FinishedKeys keys = FinishedKeys.of(old);
    FinishedKeys.Bound bound = new FinishedKeys.Bound(1000, Duration.ofHours(1));
    keys.put("c", new Finished(Outcome.RELEASED, 0), AT, bound);
    assertEquals(new Finished(Outcome.COMMITTED, 1), keys.get("a"), "not forgotten for an unknown age");
    keys.put("d", new Finished(Outcome.RELEASED, 0), AT.plus(Duration.ofMinutes(59)), bound);
    assertEquals(4, keys.size());
    keys.put("e", new Finished(Outcome.RELEASED, 0), AT.plus(Duration.ofMinutes(61)), bound);
    assertEquals(List.of("d", "e"), List.of("a", "b", "c", "d", "e").stream().filter(k -> keys.get(k) != null).toList());
  }

  @Test
  void aReplayForgetsExactlyWhatTheLiveStateForgot() {
    // The time bound goes by the events' own times: the state recovered from the same events is the same.
    FinishedKeys.Bound bound = new FinishedKeys.Bound(50_000, Duration.ofMinutes(10));
    List<Event> events = new ArrayList<>();
    events.add(new StockSet(1000, 0, 0, List.of(), false, "test", AT));
    for (int i = 0; i < 60; i++) {
      Instant at = AT.plus(Duration.ofMinutes(i));
      events.add(new ReservationsApplied(List.of(new Change.Reserved("o" + i, 1, null), new Change.Released("o" + i, 1)), at));
    }
    State live = new State("sku-1");
    for (Event e : events) live = live.apply(e, bound);
    State replayed = new State("sku-1");
    for (Event e : events) replayed = replayed.apply(e, bound);
    assertEquals(live, replayed);
    assertEquals(11, live.finishedCount(), "the keys of the last 10 minutes, both ends included");
    assertNull(live.finished("o48"));
    assertEquals(new Finished(Outcome.RELEASED, 1), live.finished("o49"));
  }

  @Test
  void hashesOfDistinctOrderKeysDoNotCollide() {
    Set<Long> seen = new HashSet<>();
    for (int shop = 0; shop < 20; shop++) {
      for (int order = 0; order < 50_000; order++) seen.add(FinishedKeys.hash("tiktok:" + shop + ":" + order));
    }
    assertEquals(1_000_000, seen.size());
  }

  @Test
  void aSnapshotRoundTripsAndOneWrittenWithTheKeysThemselvesStillReads() throws Exception {
    State state = stateWithFinished();
    Serialization serialization = SerializationExtension.get(akka.actor.typed.javadsl.Adapter.toClassic(testKit.system()));
    byte[] bytes = serialization.serialize(state).get();
    var serializer = serialization.findSerializerFor(state);
    State back = (State) serialization.deserialize(bytes, serializer.identifier(),
        akka.serialization.Serializers.manifestFor(serializer, state)).get();
    assertEquals(state, back);
    assertEquals(new Finished(Outcome.COMMITTED, 2), back.finished("o2"));
    assertEquals(3, back.finishedCount());

    // The snapshot as the code before hashing wrote it: "finished" by key, oldest first.
    ObjectMapper mapper = JacksonObjectMapperProvider.get(akka.actor.typed.javadsl.Adapter.toClassic(testKit.system()))
        .getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode old = mapper.valueToTree(state);
    assertTrue(old.has("finishedKeys"));
    old.remove("finishedKeys");
    ObjectNode byKey = old.putObject("finished");
    for (String key : List.of("o1", "o2", "o3")) {
      byKey.set(key, mapper.valueToTree(state.finished(key)));
    }
    State fromOld = mapper.treeToValue(old, State.class);
    assertEquals(new Finished(Outcome.RELEASED, 1), fromOld.finished("o1"));
    assertNull(fromOld.finished("o4"));
    assertNotEquals(state, fromOld, "the old snapshot's keys have no minute yet");
    // the next event gives them its own minute (here the one they finished in)
    Event next = new ReservationsApplied(List.of(new Change.Released("o4", 4)), Instant.parse("2026-12-03T10:00:30Z"));
    assertEquals(state.copy().apply(next, BOUND), fromOld.apply(next, BOUND));
  }

  private static State stateWithFinished() {
    Instant at = Instant.parse("2026-12-03T10:00:00Z");
    List<Change> changes = new ArrayList<>();
    for (int i = 1; i <= 4; i++) changes.add(new Change.Reserved("o" + i, i, null));
    changes.add(new Change.Released("o1", 1));
    changes.add(new Change.Committed("o2", 2));
    changes.add(new Change.Released("o3", 3));
    State state = new State("sku-1").apply(new StockSet(10, 0, 0, List.of(), false, "test", at), BOUND);
    return state.apply(new ReservationsApplied(changes, at), BOUND);
  }
}

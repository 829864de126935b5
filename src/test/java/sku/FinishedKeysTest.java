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
import sku.SkuEvents.ReservationsApplied;
import sku.SkuEvents.StockSet;
import sku.SkuState.Finished;
import sku.SkuState.Outcome;
import sku.SkuState.State;
import support.SkuTestConfig;

/** The SKU's finished order keys, kept by hash, answer exactly as the keys themselves in a bounded LinkedHashMap. */
class FinishedKeysTest {
  private static final ActorTestKit testKit = ActorTestKit.create(SkuTestConfig.CONFIG);

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
        keys.put(key, f, kept);
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
      copy.put("another", new Finished(Outcome.RELEASED, 0), kept);
      assertNotEquals(keys, copy, "a copy is independent of its original");
      assertNull(keys.get("another"));
    }
  }

  @Test
  void aLoweredBoundForgetsTheOldestAtTheNextPut() {
    FinishedKeys keys = new FinishedKeys();
    for (int i = 0; i < 100; i++) keys.put("o" + i, new Finished(Outcome.COMMITTED, i), 100);
    keys.put("o100", new Finished(Outcome.RELEASED, 0), 10);
    assertEquals(10, keys.size());
    assertNull(keys.get("o90"));
    assertEquals(new Finished(Outcome.COMMITTED, 91), keys.get("o91"));
  }

  @Test
  void fiftyThousandKeysTakeUnderAThirdOfTheMemoryOfTheKeysThemselves() {
    // What the soak measured by key: ~170 bytes each. The arrays here are all the memory the hashed keys hold.
    FinishedKeys keys = new FinishedKeys();
    for (int i = 0; i < 50_000; i++) keys.put("shopee:1234567:2612" + i, new Finished(Outcome.RELEASED, 0), 50_000);
    long bytes = 0;
    for (String field : List.of("ringHash", "ringPayload", "indexHash", "indexSlot")) {
      try {
        var f = FinishedKeys.class.getDeclaredField(field);
        f.setAccessible(true);
        Object array = f.get(keys);
        bytes += (long) java.lang.reflect.Array.getLength(array) * (array instanceof int[] ? 4 : 8);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
    assertTrue(bytes / 50_000 < 57, bytes / 50_000 + " bytes per key");
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
    assertEquals(state, fromOld);
    assertEquals(new Finished(Outcome.RELEASED, 1), fromOld.finished("o1"));
    assertNull(fromOld.finished("o4"));
  }

  private static State stateWithFinished() {
    Instant at = Instant.parse("2026-12-03T10:00:00Z");
    List<Change> changes = new ArrayList<>();
    for (int i = 1; i <= 4; i++) changes.add(new Change.Reserved("o" + i, i, null));
    changes.add(new Change.Released("o1", 1));
    changes.add(new Change.Committed("o2", 2));
    changes.add(new Change.Released("o3", 3));
    State state = new State("sku-1").apply(new StockSet(10, 0, 0, List.of(), false, "test", at), 50_000);
    return state.apply(new ReservationsApplied(changes, at), 50_000);
  }
}

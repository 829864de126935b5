package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every persisted class name of the journals written before the move still names a readable class. */
class PersistedTypesTest {
  @Test
  void everyOldNameMapsToAPersistableClass() {
    assertTrue(PersistedTypes.MOVED.size() >= 40, "the SKU and order events and the SKU snapshot are listed");
    List<String> broken = new ArrayList<>();
    for (Map.Entry<String, String> moved : PersistedTypes.MOVED.entrySet()) {
      try {
        Class<?> now = Class.forName(moved.getValue());
        if (!CborSerializable.class.isAssignableFrom(now)) broken.add(moved + " is not CborSerializable");
        if (!now.getSimpleName().equals(moved.getKey().substring(moved.getKey().lastIndexOf('$') + 1))) {
          broken.add(moved + " changed its simple name (the order history shows it)");
        }
      } catch (ClassNotFoundException e) {
        broken.add(moved + ": no such class");
      }
    }
    assertEquals(List.of(), broken);
  }

  @Test
  void manifestsAreRenamedKeepingTheirVersion() {
    String old = PersistedTypes.MOVED.keySet().iterator().next();
    String now = PersistedTypes.MOVED.get(old);
    assertEquals(now, PersistedTypes.current(old));
    assertEquals(now + "#2", PersistedTypes.current(old + "#2"));
    assertEquals("some.Unmoved", PersistedTypes.current("some.Unmoved"));
  }
}

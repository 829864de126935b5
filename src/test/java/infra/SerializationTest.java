package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import java.io.Serializable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import support.CounterEntity;
import support.TestConfig;

class SerializationTest {
  private static final ActorTestKit testKit = ActorTestKit.create(TestConfig.postgres());

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  record PlainJavaMessage(String text) implements Serializable {}

  @Test
  void javaSerializationIsDisabled() {
    assertFalse(testKit.system().settings().config().getBoolean("akka.actor.allow-java-serialization"));
    Serialization serialization = SerializationExtension.get(akka.actor.typed.javadsl.Adapter.toClassic(testKit.system()));
    // A java.io.Serializable message without a binding must not fall back to Java serialization.
    assertThrows(akka.serialization.DisabledJavaSerializer.JavaSerializationException.class,
        () -> serialization.findSerializerFor(new PlainJavaMessage("x")).toBinary(new PlainJavaMessage("x")));
  }

  @Test
  void cborSerializableMessagesRoundTripThroughJacksonCbor() throws Exception {
    Serialization serialization = SerializationExtension.get(akka.actor.typed.javadsl.Adapter.toClassic(testKit.system()));
    CounterEntity.Added event = new CounterEntity.Added(42);
    Serializer serializer = serialization.findSerializerFor(event);
    assertEquals(infra.PersistedTypesSerializer.class, serializer.getClass()); // Akka's CBOR serializer, old names mapped
    assertEquals(33, serializer.identifier()); // jackson-cbor's identifier, as in every journal row
    byte[] bytes = serialization.serialize(event).get();
    String manifest = akka.serialization.Serializers.manifestFor(serializer, event);
    assertEquals(event, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
  }
}

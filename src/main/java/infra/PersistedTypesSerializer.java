package infra;

import akka.actor.ExtendedActorSystem;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import akka.serialization.jackson.JacksonSerializer;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.util.Optional;

/**
 * Akka's CBOR serializer ({@code jackson-cbor}: the same identifier, 33, in every journal row, the same mapper and
 * the same bytes, built as Akka 2.8.6 builds its JacksonCborSerializer, which is final) with one change: a stored
 * manifest naming a class that moved is read as the class now in its place ({@link PersistedTypes}). It extends
 * Akka's JacksonSerializer because Jackson only reads classes bound to a serializer of that family.
 */
public final class PersistedTypesSerializer extends JacksonSerializer {
  public PersistedTypesSerializer(ExtendedActorSystem system, String bindingName) {
    super(system, bindingName,
        JacksonObjectMapperProvider.get(system).getOrCreate(bindingName, Optional.of(new CBORFactory())));
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return super.fromBinary(bytes, PersistedTypes.current(manifest));
  }
}

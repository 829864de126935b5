package common;

/**
 * Marker for every message, event and state that crosses nodes or is persisted. Bound to Akka's jackson-cbor
 * serializer in serialization.conf (Akka 2.8 ships no such marker of its own); Java serialization stays off.
 */
public interface CborSerializable {}

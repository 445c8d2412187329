package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;

/**
 * One committed change of one key, as watchers receive it.
 *
 * @param type     what happened to the key
 * @param kv       for PUT the key-value after the change; for DELETE a tombstone with the key, an empty
 *                 value and {@code modRevision == revision}
 * @param prevKv   the key-value before the change, or null when the key did not exist
 * @param revision the store revision of the change
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv, long revision) {

  /** The kind of change. */
  public enum Type { PUT, DELETE }

  static Event put(KeyValue kv, KeyValue prevKv) {
    return new Event(Type.PUT, kv, prevKv, kv.modRevision());
  }

  static Event delete(KeyValue prevKv, long revision) {
    return new Event(Type.DELETE, new KeyValue(prevKv.key(), ByteString.EMPTY, 0, revision, 0), prevKv, revision);
  }

  public String key() {
    return kv.key();
  }
}

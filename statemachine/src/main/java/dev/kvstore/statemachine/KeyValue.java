package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import java.util.Objects;

/**
 * One key's current value with its history counters, as etcd keeps them.
 *
 * @param key            the key, a non-empty string
 * @param value          the value, opaque bytes
 * @param createRevision revision of the write that created the key (since its last deletion)
 * @param modRevision    revision of the last write to the key
 * @param version        writes to the key since it was created; 1 right after creation
 * @param lease          id of the lease the key is attached to (deleted when it ends); 0 for none
 */
public record KeyValue(String key, ByteString value, long createRevision, long modRevision, long version, long lease) {

  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** An entry attached to no lease. */
  public KeyValue(String key, ByteString value, long createRevision, long modRevision, long version) {
    this(key, value, createRevision, modRevision, version, 0);
  }

  /** The entry as snapshots and command results carry it. */
  public static KeyValue of(StoredKeyValue kv) {
    return new KeyValue(kv.getKey(), kv.getValue(), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(),
        kv.getLease());
  }

  StoredKeyValue toStored() {
    return StoredKeyValue.newBuilder()
        .setKey(key)
        .setValue(value)
        .setCreateRevision(createRevision)
        .setModRevision(modRevision)
        .setVersion(version)
        .setLease(lease)
        .build();
  }

  /**
   * Upper bound of the entry's size in a response: its key in UTF-8 and its value, plus room for
   * the revisions and the field framing. Heap size is no guide there: a key of three-byte characters
   * takes two bytes per character on the heap but three in a response.
   */
  long encodedSize() {
    return 64L + CodedOutputStream.computeStringSizeNoTag(key) + value.size();
  }

  /** Approximate heap footprint, used to bound caches by bytes rather than entry counts. */
  long approximateSize() {
    return 64L + 2L * key.length() + value.size();
  }
}

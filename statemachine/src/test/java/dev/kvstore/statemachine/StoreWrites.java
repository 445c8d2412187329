package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import java.util.Optional;

/** One-change write transactions on an {@link MvccStore}, as the applier makes them for Put and Delete. */
final class StoreWrites {

  private StoreWrites() {}

  static Event put(MvccStore store, String key, ByteString value) {
    WriteTxn txn = store.write();
    Event event = txn.put(key, value);
    txn.end();
    return event;
  }

  static Optional<Event> delete(MvccStore store, String key) {
    WriteTxn txn = store.write();
    Optional<Event> event = txn.delete(KeyRange.key(key)).stream().findFirst();
    txn.end();
    return event;
  }
}

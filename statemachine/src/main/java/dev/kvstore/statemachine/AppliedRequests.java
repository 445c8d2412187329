package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DedupRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Results of recently applied client writes by request id, so that a client retrying a write on
 * another node (after a timeout or a leader change) gets the first result instead of a second apply.
 *
 * <p>It is part of the replicated state: entries are added and evicted only by applied commands, in
 * apply order, with fixed bounds, so every replica holds the same entries; snapshots carry them.
 * A retry that arrives after its entry was evicted (more than {@link #MAX_ENTRIES} writes or
 * {@link #MAX_BYTES} of results later) would apply again; clients retry within seconds. Results are
 * kept without the previous key-value (which can be a 1 MiB value), so large values do not shrink
 * the window: a retry gets the revision and deleted count, not {@code prev_kv}.
 */
final class AppliedRequests {

  /** Fixed, not configurable: replicas with different bounds would diverge. */
  static final int MAX_ENTRIES = 100_000;
  static final long MAX_BYTES = 64L << 20;

  private record Id(ByteString clientId, long sequence) {
    static Id of(ClientRequestId id) {
      return new Id(id.getClientId(), id.getSequence());
    }
  }

  private final LinkedHashMap<Id, CommandResult> results = new LinkedHashMap<>();
  private long bytes;

  Optional<CommandResult> find(ClientRequestId id) {
    return Optional.ofNullable(results.get(Id.of(id)));
  }

  void remember(ClientRequestId id, CommandResult result) {
    CommandResult slim = result.hasPrev() ? result.toBuilder().clearPrev().build() : result;
    CommandResult old = results.put(Id.of(id), slim);
    if (old != null) {
      bytes -= sizeOf(old);
    }
    bytes += sizeOf(slim);
    Iterator<Map.Entry<Id, CommandResult>> eldest = results.entrySet().iterator();
    while ((results.size() > MAX_ENTRIES || bytes > MAX_BYTES) && eldest.hasNext()) {
      bytes -= sizeOf(eldest.next().getValue());
      eldest.remove();
    }
  }

  int size() {
    return results.size();
  }

  /** The remembered results, oldest first, for a snapshot. */
  List<DedupRecord> records() {
    List<DedupRecord> out = new ArrayList<>(results.size());
    results.forEach((id, result) -> out.add(DedupRecord.newBuilder()
        .setRequestId(ClientRequestId.newBuilder().setClientId(id.clientId()).setSequence(id.sequence()))
        .setResult(result)
        .build()));
    return out;
  }

  /** Replaces the content with records from a snapshot, oldest first. */
  void reset(Iterable<DedupRecord> records) {
    results.clear();
    bytes = 0;
    for (DedupRecord r : records) {
      remember(r.getRequestId(), r.getResult());
    }
  }

  private static long sizeOf(CommandResult result) {
    return 96L + result.getSerializedSize();
  }
}

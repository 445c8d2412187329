package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Breaks a history by changing one OK read to a value it cannot have returned in any
 * linearization, not merely in the one that produced it. Values must be unique per write.
 *
 * <p>Two kinds of values qualify: one first written after the read returned, and one whose write
 * was followed, before the read began, by another acknowledged write of the key.
 */
final class ImpossibleRead {

  private ImpossibleRead() {
  }

  /** The history with one read changed, and the changed read. */
  record Mutation(History history, Operation original, Operation changed) {
  }

  static Mutation apply(History history, Random random) {
    List<Operation> reads = new ArrayList<>(history.operations().stream()
        .filter(op -> op.type() == OpType.READ && op.outcome() == Outcome.OK)
        .toList());
    Collections.shuffle(reads, random);
    for (Operation read : reads) {
      List<String> impossible = impossibleValues(read, history.forKey(read.key()).operations());
      if (!impossible.isEmpty()) {
        String value = impossible.get(random.nextInt(impossible.size()));
        Operation changed = new Operation(read.id(), read.process(), read.type(), read.key(), value,
            read.invokeNanos(), read.completeNanos(), read.outcome(), read.revision());
        List<Operation> ops = new ArrayList<>(history.operations());
        ops.set(ops.indexOf(read), changed);
        return new Mutation(History.of(ops), read, changed);
      }
    }
    throw new IllegalStateException("no read can be given an impossible value; make the history longer");
  }

  private static List<String> impossibleValues(Operation read, List<Operation> ops) {
    List<String> impossible = new ArrayList<>();
    for (Operation write : ops) {
      if (write.type() != OpType.WRITE || write.outcome() != Outcome.OK || Objects.equals(write.value(), read.value())) {
        continue;
      }
      boolean writtenAfterReturn = write.invokeNanos() > read.completeNanos();
      boolean overwrittenBeforeInvoke = ops.stream().anyMatch(later -> later.type().isWrite()
          && later.outcome() == Outcome.OK
          && later.invokeNanos() > write.completeNanos()
          && later.completeNanos() < read.invokeNanos());
      if (writtenAfterReturn || overwrittenBeforeInvoke) {
        impossible.add(write.value());
      }
    }
    return impossible;
  }
}

package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.List;

/** Builds histories for tests, with times as small numbers and ids in the order of the calls. */
final class HistoryBuilder {

  private final List<Operation> operations = new ArrayList<>();

  HistoryBuilder write(int process, String key, String value, long invoke, long complete) {
    return add(process, OpType.WRITE, key, value, invoke, complete, Outcome.OK);
  }

  HistoryBuilder read(int process, String key, String valueOrNull, long invoke, long complete) {
    return add(process, OpType.READ, key, valueOrNull, invoke, complete, Outcome.OK);
  }

  HistoryBuilder delete(int process, String key, long invoke, long complete) {
    return add(process, OpType.DELETE, key, null, invoke, complete, Outcome.OK);
  }

  HistoryBuilder failedWrite(int process, String key, String value, long invoke, long complete) {
    return add(process, OpType.WRITE, key, value, invoke, complete, Outcome.FAIL);
  }

  HistoryBuilder unknownWrite(int process, String key, String value, long invoke) {
    return add(process, OpType.WRITE, key, value, invoke, Operation.NOT_COMPLETED, Outcome.UNKNOWN);
  }

  HistoryBuilder unknownDelete(int process, String key, long invoke) {
    return add(process, OpType.DELETE, key, null, invoke, Operation.NOT_COMPLETED, Outcome.UNKNOWN);
  }

  HistoryBuilder unknownRead(int process, String key, long invoke) {
    return add(process, OpType.READ, key, null, invoke, Operation.NOT_COMPLETED, Outcome.UNKNOWN);
  }

  HistoryBuilder add(int process, OpType type, String key, String value, long invoke, long complete,
      Outcome outcome) {
    operations.add(new Operation(operations.size() + 1, process, type, key, value, invoke, complete, outcome));
    return this;
  }

  HistoryBuilder add(Operation op) {
    operations.add(op);
    return this;
  }

  History build() {
    return History.of(operations);
  }
}

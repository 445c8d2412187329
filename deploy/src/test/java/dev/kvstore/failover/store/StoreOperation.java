package dev.kvstore.failover.store;

import dev.kvstore.api.Compare;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.failover.history.Outcome;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One client call on the store as recorded, in the form of the transaction it is equivalent to
 * ({@link TxnForm}): a put is a transaction of one put, a Get or Range one of one range op.
 *
 * @param id            unique within a history
 * @param process       the client thread that ran it
 * @param request       what was asked
 * @param pastRevision  for a read of a past revision (Range with a revision), that revision; 0 when
 *                      the call read or wrote the current state. Past reads are checked for content
 *                      but not for real-time order.
 * @param invokeNanos   {@link System#nanoTime()} before the request was sent
 * @param completeNanos {@link System#nanoTime()} after the answer or the give-up;
 *                      {@link #NOT_COMPLETED} while in flight
 * @param outcome       OK, FAIL (definitely not applied) or UNKNOWN (may be applied, at most once,
 *                      at any time after the invocation)
 * @param response      for OK the answer in transaction form, whose {@code header.revision} is the
 *                      revision the call wrote at or read; null otherwise
 */
public record StoreOperation(long id, int process, TxnRequest request, long pastRevision, long invokeNanos,
    long completeNanos, Outcome outcome, TxnResponse response) {

  /** The completion time of a call that never completed. */
  public static final long NOT_COMPLETED = Long.MAX_VALUE;

  public StoreOperation {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(outcome, "outcome");
    if ((outcome == Outcome.OK) != (response != null)) {
      throw new IllegalArgumentException("op " + id + ": a response goes with OK and only with OK");
    }
    if (completeNanos < invokeNanos) {
      throw new IllegalArgumentException("op " + id + " completes before it is invoked");
    }
  }

  /** The revision the answer reflects (see {@code response}); only for OK. */
  long revision() {
    return response.getHeader().getRevision();
  }

  /**
   * Whether the branch that ran changed the store, as its answer shows (a put, or a delete that
   * deleted something): then {@link #revision()} is the revision of its changes, else the
   * revision it read. Only for OK.
   */
  boolean wrote() {
    return response.getResponsesList().stream().anyMatch(r -> r.hasResponsePut()
        || r.hasResponseDeleteRange() && r.getResponseDeleteRange().getDeleted() > 0);
  }

  /** One line with times in ms since {@code originNanos}, e.g. {@code #7 p3 txn(...) 1.2..3.4ms OK r42}. */
  public String describe(long originNanos) {
    StringBuilder line = new StringBuilder(label()).append(' ').append(millis(invokeNanos - originNanos))
        .append("..").append(completeNanos == NOT_COMPLETED ? "?" : millis(completeNanos - originNanos))
        .append("ms ").append(outcome);
    if (response != null) {
      line.append(" r").append(revision()).append(response.getSucceeded() ? "" : " (else branch)");
    }
    return line.toString();
  }

  /** What the call asked, without times. */
  public String label() {
    String past = pastRevision == 0 ? "" : " at r" + pastRevision;
    if (request.getCompareCount() == 0 && request.getFailureCount() == 0 && request.getSuccessCount() == 1) {
      return "#" + id + " p" + process + " " + describe(request.getSuccess(0)) + past;
    }
    return "#" + id + " p" + process + " txn(if " + request.getCompareList().stream().map(StoreOperation::describe)
        .collect(Collectors.joining(" && ")) + " then " + describe(request.getSuccessList()) + " else "
        + describe(request.getFailureList()) + ")" + past;
  }

  private static String describe(List<RequestOp> ops) {
    return ops.stream().map(StoreOperation::describe).collect(Collectors.joining("; ", "[", "]"));
  }

  private static String describe(RequestOp op) {
    return switch (op.getRequestCase()) {
      case REQUEST_PUT -> "put " + op.getRequestPut().getKey() + " = '" + op.getRequestPut().getValue().toStringUtf8()
          + "'" + (op.getRequestPut().getLease() != 0 ? " lease " + op.getRequestPut().getLease() : "");
      case REQUEST_DELETE_RANGE -> "delete " + span(op.getRequestDeleteRange().getKey(),
          op.getRequestDeleteRange().getRangeEnd(), op.getRequestDeleteRange().getPrefix());
      case REQUEST_RANGE -> "range " + span(op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd(),
          op.getRequestRange().getPrefix());
      case REQUEST_NOT_SET -> "?";
    };
  }

  private static String describe(Compare c) {
    String value = switch (c.getTargetUnionCase()) {
      case VALUE -> "'" + c.getValue().toStringUtf8() + "'";
      case VERSION -> Long.toString(c.getVersion());
      case CREATE_REVISION -> Long.toString(c.getCreateRevision());
      case MOD_REVISION -> Long.toString(c.getModRevision());
      case LEASE -> Long.toString(c.getLease());
      case TARGETUNION_NOT_SET -> "0";
    };
    return c.getTarget().name().toLowerCase(Locale.ROOT) + "(" + span(c.getKey(), c.getRangeEnd(), c.getPrefix())
        + ") " + c.getResult() + " " + value;
  }

  private static String span(String key, String rangeEnd, boolean prefix) {
    return prefix ? key + "*" : rangeEnd.isEmpty() ? key : "[" + key + ", " + (rangeEnd.equals("\0") ? "end" : rangeEnd) + ")";
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1_000_000.0);
  }
}

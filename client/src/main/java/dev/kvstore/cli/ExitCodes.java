package dev.kvstore.cli;

import dev.kvstore.bench.FailureReason;
import dev.kvstore.client.KvClientException;
import java.util.Collection;
import java.util.Set;

/**
 * The CLI's exit codes. 0 ok; 1 any other error; 2 usage error (bad arguments, or a request the
 * server rejected as INVALID_ARGUMENT); 3 key not found; 4 cluster unavailable (UNAVAILABLE,
 * DEADLINE_EXCEEDED: no endpoint answered in time); 5 compare failed ({@code cas} lost: nothing written).
 */
final class ExitCodes {

  static final int OK = 0;
  static final int ERROR = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int UNAVAILABLE = 4;
  static final int COMPARE_FAILED = 5;

  // Failure reasons of a benchmark that mean "the cluster did not answer", as UNAVAILABLE does.
  private static final Set<String> NO_ANSWER_REASONS = Set.of("UNAVAILABLE", "DEADLINE_EXCEEDED", FailureReason.NO_ANSWER);

  private ExitCodes() {}

  /** For a benchmark whose requests all failed with these reasons (see {@link FailureReason}). */
  static int ofFailureReasons(Collection<String> reasons) {
    return NO_ANSWER_REASONS.containsAll(reasons) ? UNAVAILABLE : ERROR;
  }

  static int of(KvClientException e) {
    return switch (e.code()) {
      case INVALID_ARGUMENT -> USAGE;
      case NOT_FOUND -> NOT_FOUND;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE;
      default -> ERROR;
    };
  }
}

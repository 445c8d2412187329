package dev.kvstore.node.request;

import dev.kvstore.api.WriteOutcome;
import dev.kvstore.node.raft.CatchingUpException;
import dev.kvstore.node.raft.LocalMember;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;

/** Turns what Ratis reports into gRPC statuses that tell the client what happened and what to do. */
public final class RaftFailures {

  private final LocalMember member;

  /** Statuses that name {@code member} and the leader it knows. */
  public RaftFailures(LocalMember member) {
    this.member = member;
  }

  /**
   * The status for a write that did not complete. Once a command has been handed to Raft, any
   * failure leaves its fate open (a deposed leader may have logged it, and the next one may commit
   * it), so those statuses carry the {@link WriteOutcome} trailer; only a command the leader
   * refused before logging it is definitely not applied.
   */
  StatusRuntimeException forWrite(Throwable failure, Duration waited) {
    Throwable cause = unwrap(failure);
    Optional<IllegalArgumentException> refused = refusal(cause);
    if (refused.isPresent()) {
      return Status.INVALID_ARGUMENT.withDescription(refused.get().getMessage()).asRuntimeException();
    }
    String what;
    if (cause instanceof AlreadyClosedException && !member.isRunning()) {
      what = "node " + member.id() + " is shutting down";
    } else if (cause instanceof ResourceUnavailableException) {
      what = "the leader is overloaded (" + cause.getMessage() + ")";
    } else if (isTimeout(cause) || cause instanceof AlreadyClosedException) {
      // A closed Ratis client here means an earlier write in its window ran out of retries.
      what = noQuorum("the write was not committed", waited);
    } else {
      what = "write failed on node " + member.id() + ": " + describe(cause);
    }
    return Status.UNAVAILABLE
        .withDescription(what + "; it may still be applied, so retry it with the same request id")
        .asRuntimeException(WriteOutcome.unknown());
  }

  /** The status for a linearizable read whose read index could not be obtained in time. */
  StatusRuntimeException forRead(Throwable failure, Duration waited) {
    Throwable cause = unwrap(failure);
    if (cause instanceof AlreadyClosedException && !member.isRunning()) {
      return Status.UNAVAILABLE.withDescription("node " + member.id() + " is shutting down; retry on another node")
          .asRuntimeException();
    }
    if (cause instanceof CatchingUpException behind) {
      return Status.UNAVAILABLE.withDescription("node " + member.id() + " is catching up with the leader: it has applied"
          + " the log up to index " + member.appliedIndex() + " of " + behind.readIndex() + " that this read needs;"
          + " retry on another node, or read SERIALIZABLE (possibly stale)").asRuntimeException();
    }
    String what = isTimeout(cause) ? noQuorum("could not confirm a linearizable read", waited)
        : "could not confirm a linearizable read on node " + member.id() + ": " + describe(cause);
    return Status.UNAVAILABLE.withDescription(what + "; a SERIALIZABLE read answers from local state (possibly stale)")
        .asRuntimeException();
  }

  private String noQuorum(String what, Duration waited) {
    String leader = member.isRunning() ? member.leaderId().orElse(null) : null;
    String seconds = seconds(waited);
    if (leader == null) {
      return what + " within " + seconds + ": no leader (node " + member.id()
          + " sees no leader; the cluster has no quorum or is electing one)";
    }
    return what + " within " + seconds + ": leader " + leader + " could not reach a quorum";
  }

  /**
   * {@code waited} in seconds with one decimal, rounded half up, always with a dot: "2.0s". Integer
   * arithmetic rather than {@code String.format}, which follows the default locale ("2,0s") and,
   * under overload, when every timed-out write gets this text, was a third of the CPU of the thread
   * that fires the timeouts (locale lookups on each call).
   */
  static String seconds(Duration waited) {
    long tenths = (waited.toMillis() + 50) / 100;
    return tenths / 10 + "." + tenths % 10 + "s";
  }

  static boolean isTimeout(Throwable cause) {
    return cause instanceof TimeoutException || cause instanceof TimeoutIOException
        || cause instanceof RaftRetryFailureException;
  }

  /**
   * The status a failed {@link KvRequests} future carries: the layer fails with statuses only, so
   * anything else is a bug and becomes INTERNAL.
   */
  public static StatusRuntimeException statusOf(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof StatusRuntimeException s ? s
        : Status.INTERNAL.withDescription("unexpected failure: " + cause).withCause(cause).asRuntimeException();
  }

  /**
   * Why the state machine refused a command before it was logged (its {@code startTransaction}
   * found it malformed), when {@code failure} is such a refusal: definitely not applied, and no
   * retry can succeed.
   */
  public static Optional<IllegalArgumentException> refusal(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof StateMachineException sme && sme.getCause() instanceof IllegalArgumentException iae
        ? Optional.of(iae) : Optional.empty();
  }

  /** The cause inside any {@link CompletionException} or {@link ExecutionException} layers of {@code t}. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(Throwable t) {
    if (t instanceof CancellationException) {
      return "cancelled";
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}

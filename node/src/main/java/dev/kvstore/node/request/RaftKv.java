package dev.kvstore.node.request;

import dev.kvstore.api.CompactRequest;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WriteOutcome;
import dev.kvstore.node.raft.CommandSubmitter;
import dev.kvstore.node.raft.CommitNudge;
import dev.kvstore.node.raft.ReadBarrier;
import dev.kvstore.statemachine.KvReadView;
import dev.kvstore.statemachine.RangeResult;
import dev.kvstore.statemachine.proto.Caller;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.CompactOp;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link KvRequests} through Raft: a write becomes a {@link Command} that {@link CommandSubmitter}
 * brings to the leader and answers once applied; a linearizable read waits at the
 * {@link ReadBarrier} and then reads this node's memory ({@link KvReadView}). The write and read
 * protocols live here and nowhere else, so the fast path is one class to read.
 */
public final class RaftKv implements KvRequests {

  private final KvReadView view;
  private final CommandSubmitter writes;
  private final ReadBarrier reads;
  private final CommitNudge commits;
  private final RaftFailures failures;
  private final ResponseHeaders headers;
  private final Executor responses;
  private final RangePages ranges;

  /**
   * @param responses where answers are built when they must not be built where a wait ended:
   *                  applied-index waits of writes complete on the apply thread, which must not
   *                  build responses, and pages of ranges are too large to build on Ratis threads
   * @param ranges    reads the pages of Range requests
   */
  public RaftKv(KvReadView view, CommandSubmitter writes, ReadBarrier reads, CommitNudge commits, RaftFailures failures,
      ResponseHeaders headers, Executor responses, RangePages ranges) {
    this.view = view;
    this.writes = writes;
    this.reads = reads;
    this.commits = commits;
    this.failures = failures;
    this.headers = headers;
    this.responses = responses;
    this.ranges = ranges;
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder().setPut(PutOp.newBuilder()
        .setKey(request.getKey())
        .setValue(request.getValue())
        .setPrevKv(request.getPrevKv())
        .setLease(request.getLease()));
    return write(identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(), result -> {
      PutResponse.Builder response = PutResponse.newBuilder()
          .setSuccess(true)
          .setHeader(headers.at(result.getRevision()));
      if (result.hasPrev()) {
        response.setPrevKv(ApiMapping.toApi(result.getPrev()));
      }
      return response.build();
    });
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(DeleteRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder()
        .setDelete(DeleteOp.newBuilder().setKey(request.getKey()).setPrevKv(request.getPrevKv()));
    return write(identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(), result -> {
      DeleteResponse.Builder response = DeleteResponse.newBuilder()
          .setSuccess(true)
          .setDeleted(result.getDeleted())
          .setHeader(headers.at(result.getRevision()));
      if (result.hasPrev()) {
        response.setPrevKv(ApiMapping.toApi(result.getPrev()));
      }
      return response.build();
    });
  }

  @Override
  public CompletableFuture<GetResponse> get(GetRequest request, RequestContext ctx) {
    return read(request.getConsistency(), ctx.timeout(), true, () -> {
      GetResponse.Builder response = GetResponse.newBuilder().setKey(request.getKey());
      // The entry as of one revision, and that revision in the header: a write applied between
      // the two reads must not show a header newer than the entry (the failover suite's
      // whole-store model caught exactly that).
      long revision = view.revision();
      view.entryAt(request.getKey(), revision).ifPresent(kv -> {
        response.setFound(true).setKv(ApiMapping.toApi(kv));
        if (!request.getOmitValue()) {
          response.setValue(kv.value());
        }
      });
      return response.setHeader(headers.at(revision)).build();
    });
  }

  @Override
  public CompletableFuture<GetAllResponse> getAll(GetAllRequest request, RequestContext ctx) {
    int limit = request.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : (int) request.getLimit();
    return read(request.getConsistency(), ctx.timeout(), false, () -> {
      RangeResult range = view.range(request.getPrefix(), request.getStartAfter(), limit, RequestLimits.MAX_RANGE_BYTES);
      GetAllResponse.Builder response = GetAllResponse.newBuilder()
          .setHeader(headers.at(range.revision()))
          .setMore(range.more())
          .setCount(range.count());
      range.kvs().forEach(kv -> response.addKvs(ApiMapping.toApi(kv)));
      return response.build();
    });
  }

  @Override
  public CompletableFuture<CompactResponse> compact(CompactRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder()
        .setCompact(CompactOp.newBuilder().setRevision(request.getRevision()));
    return write(identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(), result -> CompactResponse.newBuilder()
        .setHeader(headers.at(result.getRevision()))
        .setCompactRevision(result.getCompactedRevision())
        .build());
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder().setDelete(TxnMapping.toCommand(request));
    return write(identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(),
        result -> TxnMapping.toDeleteRangeResponse(result, headers.at(result.getRevision())));
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request, RequestContext ctx) {
    Command.Builder command = Command.newBuilder().setTxn(TxnMapping.toCommand(request));
    return write(identified(command, request.hasRequestId(), request.getRequestId(), ctx), ctx.timeout(), result -> TxnMapping.toResponse(result, headers.at(result.getRevision())));
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request, RequestContext ctx) {
    return read(request.getConsistency(), ctx.timeout(), false, () -> ranges.page(request));
  }

  /**
   * Submits {@code command}, fails with the status of a refusal, and answers with {@code respond}
   * once this node applied it too (or the wait ran out). For the sibling request layers ({@link RaftLeases},
   * the auth requests).
   */
  public <T> CompletableFuture<T> write(Command command, Duration wait, Function<CommandResult, T> respond) {
    long deadline = System.nanoTime() + wait.toNanos();
    CompletableFuture<T> answer = new CompletableFuture<>();
    writes.submit(command, wait).whenComplete((applied, error) -> {
      if (error != null) {
        answer.completeExceptionally(failures.forWrite(error, wait));
      } else if (!applied.result().getError().isEmpty()) {
        answer.completeExceptionally(refused(applied.result()));
      } else {
        // The leader applied it; answer once this node has too, so a read here sees the write. The
        // write is committed either way: if this node lags past the deadline, answer regardless.
        CompletableFuture<Void> here = commits.applied(applied.logIndex());
        if (here.isDone()) {
          // The usual case on the leader: no hop to another thread. This is not the apply thread
          // (the submitter completes writes on its own threads), so building here holds up no apply.
          build(answer, () -> respond.apply(applied.result()), true);
          return;
        }
        long left = Math.max(0, deadline - System.nanoTime());
        // The wait may end on the apply thread, which must not build responses: hand over.
        here.completeOnTimeout(null, left, TimeUnit.NANOSECONDS)
            .thenRunAsync(() -> build(answer, () -> respond.apply(applied.result()), true), responses);
      }
    });
    return answer;
  }

  /**
   * The status of a command the state machine refused: it was applied as a no-op, so it definitely
   * changed nothing and gets no {@link WriteOutcome} trailer. A malformed command is
   * INVALID_ARGUMENT; a request id already applied for a different command is FAILED_PRECONDITION
   * (retrying cannot help: the id stays taken). A compaction at a revision already compacted or not
   * yet reached is OUT_OF_RANGE. A refusal kind this version does not know (from a
   * newer leader during an upgrade) is FAILED_PRECONDITION too, with the leader's message. An
   * unknown lease is NOT_FOUND and a lease id already granted FAILED_PRECONDITION, as in etcd. A
   * caller without the permission the command needs at apply is PERMISSION_DENIED; an auth change
   * that contradicts the users and roles (one that exists already or not at all) FAILED_PRECONDITION.
   * A write that adds data while the leader's storage is over its quota is RESOURCE_EXHAUSTED, with
   * the quota, the size and how to free space in the message.
   */
  private static StatusRuntimeException refused(CommandResult result) {
    Status status = switch (result.getRefusal()) {
      case MALFORMED -> Status.INVALID_ARGUMENT;
      case REQUEST_ID_REUSED, UNRECOGNIZED -> Status.FAILED_PRECONDITION;
      case REVISION_COMPACTED, FUTURE_REVISION -> Status.OUT_OF_RANGE;
      case LEASE_NOT_FOUND -> Status.NOT_FOUND;
      case LEASE_EXISTS -> Status.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      // As etcd: a user or role that exists already, or not at all.
      case AUTH_CONFLICT -> Status.FAILED_PRECONDITION;
      // As etcd's "database space exceeded": the leader's storage is over --quota-backend-bytes.
      case NO_SPACE -> Status.RESOURCE_EXHAUSTED;
    };
    return status.withDescription(result.getError()).asRuntimeException();
  }

  /**
   * @param small whether {@code respond} is quick (one key): then a linearizable read's answer is
   *              built on the thread that let it pass the barrier (never the apply thread), a
   *              thread hop less per read; a page of a range goes to {@code responses}, so that
   *              building it holds up no Ratis thread
   */
  public <T> CompletableFuture<T> read(ReadConsistency consistency, Duration wait, boolean small, Supplier<T> respond) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    if (consistency == ReadConsistency.SERIALIZABLE) {
      build(answer, respond, false);
      return answer;
    }
    BiConsumer<Long, Throwable> passed = (ignored, error) -> {
      if (error != null) {
        answer.completeExceptionally(failures.forRead(error, wait));
      } else {
        build(answer, respond, false);
      }
    };
    CompletableFuture<Long> barrier = reads.await(wait);
    if (small) {
      barrier.whenComplete(passed);
    } else {
      barrier.whenCompleteAsync(passed, responses);
    }
    return answer;
  }

  /**
   * Completes {@code answer} with what {@code respond} builds. A write that could not be answered
   * was applied all the same, so its error carries the {@link WriteOutcome} trailer.
   */
  private static <T> void build(CompletableFuture<T> answer, Supplier<T> respond, boolean appliedWrite) {
    try {
      answer.complete(respond.get());
    } catch (StatusRuntimeException e) {
      answer.completeExceptionally(e);
    } catch (RuntimeException e) {
      Status status = Status.UNAVAILABLE.withDescription("node cannot answer: " + e.getMessage()).withCause(e);
      answer.completeExceptionally(appliedWrite ? status.asRuntimeException(WriteOutcome.unknown())
          : status.asRuntimeException());
    }
  }

  /**
   * {@code command} carrying who asked for it (apply checks that caller's permissions) and the
   * client's request id when it gave one: the state machine then answers a retry with the first
   * outcome instead of applying the write twice.
   */
  public static Command identified(Command.Builder command, boolean hasRequestId, RequestId id, RequestContext ctx) {
    command.setCaller(Caller.newBuilder().setUser(ctx.user()));
    if (hasRequestId) {
      command.setRequestId(ClientRequestId.newBuilder().setClientId(id.getClientId()).setSequence(id.getSequence()));
    }
    return command.build();
  }
}

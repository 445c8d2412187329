package dev.kvstore.node;

import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.api.WriteOutcome;
import dev.kvstore.statemachine.KvReadView;
import dev.kvstore.statemachine.RangeResult;
import dev.kvstore.statemachine.WatchHub;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client-facing data API. Writes go through Raft and answer once applied; reads wait for the
 * read index (unless SERIALIZABLE) and then read local memory; watches stream from the watch hub.
 */
final class KvStoreService extends KvStoreGrpc.KvStoreImplBase {

  private final KvReadView view;
  private final WatchHub hub;
  private final CommandSubmitter writes;
  private final ReadBarrier reads;
  private final RaftFailures failures;
  private final ResponseHeaders headers;
  private final RequestBudget budget;
  private final CommitNudge commits;
  private final Executor responses;
  private final Executor watchExecutor;

  /**
   * @param responses where answers are built: read barriers and applied-index waits complete on
   *                  Ratis threads (the apply thread among them), which must not build responses
   */
  KvStoreService(KvReadView view, WatchHub hub, CommandSubmitter writes, ReadBarrier reads,
      RaftFailures failures, ResponseHeaders headers, RequestBudget budget, CommitNudge commits,
      Executor responses, Executor watchExecutor) {
    this.view = view;
    this.hub = hub;
    this.writes = writes;
    this.reads = reads;
    this.failures = failures;
    this.headers = headers;
    this.budget = budget;
    this.commits = commits;
    this.responses = responses;
    this.watchExecutor = watchExecutor;
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    if (!accepted(() -> RequestLimits.check(request), out)) {
      return;
    }
    PutOp op = PutOp.newBuilder()
        .setKey(request.getKey())
        .setValue(request.getValue())
        .setPrevKv(request.getPrevKv())
        .build();
    Command.Builder command = Command.newBuilder().setPut(op);
    if (request.hasRequestId()) {
      command.setRequestId(toCommandId(request.getRequestId()));
    }
    write(command.build(), out, result -> {
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
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    if (!accepted(() -> RequestLimits.check(request), out)) {
      return;
    }
    Command.Builder command = Command.newBuilder()
        .setDelete(DeleteOp.newBuilder().setKey(request.getKey()).setPrevKv(request.getPrevKv()));
    if (request.hasRequestId()) {
      command.setRequestId(toCommandId(request.getRequestId()));
    }
    write(command.build(), out, result -> {
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
  public void get(GetRequest request, StreamObserver<GetResponse> out) {
    if (!accepted(() -> RequestLimits.check(request), out)) {
      return;
    }
    read(request.getConsistency(), out, () -> {
      GetResponse.Builder response = GetResponse.newBuilder().setKey(request.getKey());
      view.get(request.getKey()).ifPresent(kv -> response
          .setFound(true)
          .setValue(kv.value())
          .setKv(ApiMapping.toApi(kv)));
      // Read after the entry so the header revision is never older than the entry.
      return response.setHeader(headers.current()).build();
    });
  }

  @Override
  public void getAll(GetAllRequest request, StreamObserver<GetAllResponse> out) {
    if (!accepted(() -> RequestLimits.check(request), out)) {
      return;
    }
    int limit = request.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : (int) request.getLimit();
    read(request.getConsistency(), out, () -> {
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
  public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
    if (!accepted(() -> RequestLimits.check(request), out)) {
      return;
    }
    new WatchStream((ServerCallStreamObserver<WatchResponse>) out, request, hub, headers, watchExecutor).start();
  }

  private <T> void write(Command command, StreamObserver<T> out, Function<CommandResult, T> respond) {
    Duration wait = budget.forCurrentCall();
    long deadline = System.nanoTime() + wait.toNanos();
    writes.submit(command, wait).whenComplete((applied, error) -> {
      if (error != null) {
        out.onError(failures.forWrite(error, wait));
      } else if (!applied.result().getError().isEmpty()) {
        out.onError(refused(applied.result()));
      } else {
        // The leader applied it; answer once this node has too, so a read here sees the write. The
        // write is committed either way: if this node lags past the deadline, answer regardless.
        long left = Math.max(0, deadline - System.nanoTime());
        commits.applied(applied.logIndex())
            .completeOnTimeout(null, left, TimeUnit.NANOSECONDS)
            .thenRunAsync(() -> reply(out, () -> respond.apply(applied.result()), true), responses);
      }
    });
  }

  /**
   * The status of a command the state machine refused: it was applied as a no-op, so it definitely
   * changed nothing and gets no {@link WriteOutcome} trailer. A malformed command is
   * INVALID_ARGUMENT; a request id already applied for a different command is FAILED_PRECONDITION
   * (retrying cannot help: the id stays taken). A refusal kind this version does not know (from a
   * newer leader during an upgrade) is FAILED_PRECONDITION too, with the leader's message.
   */
  private static StatusRuntimeException refused(CommandResult result) {
    Status status = switch (result.getRefusal()) {
      case MALFORMED -> Status.INVALID_ARGUMENT;
      case REQUEST_ID_REUSED, UNRECOGNIZED -> Status.FAILED_PRECONDITION;
    };
    return status.withDescription(result.getError()).asRuntimeException();
  }

  private <T> void read(ReadConsistency consistency, StreamObserver<T> out, Supplier<T> respond) {
    if (consistency == ReadConsistency.SERIALIZABLE) {
      reply(out, respond, false);
      return;
    }
    Duration wait = budget.forCurrentCall();
    reads.await(wait).whenCompleteAsync((ignored, error) -> {
      if (error != null) {
        out.onError(failures.forRead(error, wait));
      } else {
        reply(out, respond, false);
      }
    }, responses);
  }

  /**
   * Sends the response {@code respond} builds. A write that could not be answered was applied all
   * the same, so its error carries the {@link WriteOutcome} trailer.
   */
  private static <T> void reply(StreamObserver<T> out, Supplier<T> respond, boolean appliedWrite) {
    T response;
    try {
      response = respond.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (RuntimeException e) {
      Status status = Status.UNAVAILABLE.withDescription("node cannot answer: " + e.getMessage()).withCause(e);
      out.onError(appliedWrite ? status.asRuntimeException(WriteOutcome.unknown()) : status.asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** Runs a request check; a rejected request gets its INVALID_ARGUMENT status and no further work. */
  private static boolean accepted(Runnable check, StreamObserver<?> out) {
    try {
      check.run();
      return true;
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return false;
    }
  }

  private static ClientRequestId toCommandId(RequestId id) {
    return ClientRequestId.newBuilder().setClientId(id.getClientId()).setSequence(id.getSequence()).build();
  }
}

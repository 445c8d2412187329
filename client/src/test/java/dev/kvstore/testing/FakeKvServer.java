package dev.kvstore.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.kvstore.api.BackupFile;
import dev.kvstore.api.BackupHeader;
import dev.kvstore.api.BackupRequest;
import dev.kvstore.api.BackupResponse;
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
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.MemberHints;
import dev.kvstore.api.MemberRole;
import dev.kvstore.api.MemberStatus;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangePageToken;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.SnapshotResponse;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A kvstore node for tests: a real gRPC server on 127.0.0.1 that serves a {@link FakeStore}, records
 * every request, and fails or hangs on demand.
 */
public final class FakeKvServer implements AutoCloseable {

  /** The node's page limits (its {@code RequestLimits.MAX_RANGE_LIMIT} and {@code MAX_RANGE_BYTES}). */
  public static final int MAX_PAGE_ENTRIES = 10_000;
  public static final long MAX_PAGE_BYTES = 3L << 20;

  private final String memberId;
  private final FakeStore store;
  private final Server server;
  private final Map<String, List<Message>> requests = new ConcurrentHashMap<>();
  private final Map<String, Queue<Status>> oneShotFailures = new ConcurrentHashMap<>();
  private final List<StreamObserver<?>> hanging = new CopyOnWriteArrayList<>();
  private final List<WatchStream> watches = new CopyOnWriteArrayList<>();
  private volatile Status failure;
  private volatile Metadata failureTrailers;
  private volatile boolean hang;
  private volatile StatusResponse status;
  private volatile String leaderId;
  private volatile long raftTerm = 1;
  private volatile boolean honourOmitValue = true;
  private volatile long revisionsBehind;
  private final Map<String, List<String>> requestEncodings = new ConcurrentHashMap<>();
  private volatile byte[] backupContent = "fake snapshot content".getBytes(StandardCharsets.UTF_8);
  private volatile long backupKeys = 3;
  private volatile boolean tamperBackup;
  private volatile int breakBackupAfter = -1;
  private final AtomicInteger cancelledCalls = new AtomicInteger();
  private final AtomicInteger healthChecks = new AtomicInteger();

  private FakeKvServer(String memberId, FakeStore store) throws IOException {
    this.memberId = memberId;
    this.leaderId = memberId;
    this.store = store;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .intercept(recordEncodings())
        .addService(new KvStoreService())
        .addService(new MaintenanceService())
        .addService(healthService())
        .build()
        .start();
  }

  /** Starts a node serving {@code store}. */
  public static FakeKvServer start(String memberId, FakeStore store) {
    try {
      return new FakeKvServer(memberId, store);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An address where nothing listens: connecting to it is refused. */
  public static String deadEndpoint() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  public String memberId() {
    return memberId;
  }

  /** Backups hold {@code content} (any bytes: the fake does not check them) with {@code keys} keys. */
  public FakeKvServer backupContent(byte[] content, long keys) {
    this.backupContent = content.clone();
    this.backupKeys = keys;
    return this;
  }

  /** Backups arrive with a byte changed after the checksum was taken. */
  public FakeKvServer tamperBackups() {
    this.tamperBackup = true;
    return this;
  }

  /** Backups fail with UNAVAILABLE after {@code messages} messages. */
  public FakeKvServer breakBackupsAfter(int messages) {
    this.breakBackupAfter = messages;
    return this;
  }

  /** The next call of {@code rpc} (e.g. "Put") fails with {@code status}; later ones are served. */
  public FakeKvServer failNext(String rpc, Status status) {
    oneShotFailures.computeIfAbsent(rpc, r -> new ConcurrentLinkedQueue<>()).add(status);
    return this;
  }

  /** The next {@code served} calls of {@code rpc} are served, and the one after them fails with {@code status}. */
  public FakeKvServer failAfter(String rpc, int served, Status status) {
    Queue<Status> queue = oneShotFailures.computeIfAbsent(rpc, r -> new ConcurrentLinkedQueue<>());
    for (int i = 0; i < served; i++) {
      queue.add(Status.OK);
    }
    queue.add(status);
    return this;
  }

  /** Every call fails with {@code status} (null: serve again). */
  public FakeKvServer failAll(Status status) {
    return failAll(status, null);
  }

  /** Every call fails with {@code status} and these trailers, as a node does for a write of unknown outcome. */
  public FakeKvServer failAll(Status status, Metadata trailers) {
    this.failureTrailers = trailers;
    this.failure = status;
    return this;
  }

  /**
   * Every call is received and never answered, as on a paused node whose connection was already
   * open (its kernel still takes the bytes).
   */
  public FakeKvServer hangAll() {
    this.hang = true;
    return this;
  }

  /** Serves again after {@link #hangAll} (calls already hanging stay hung). */
  public FakeKvServer resume() {
    this.hang = false;
    return this;
  }

  /**
   * The leader and term this node reports in every response header and, as {@code MemberHints}
   * trailers, on every error; by default it names itself, in term 1. An empty id: no leader known.
   */
  public FakeKvServer leader(String leaderId, long term) {
    this.leaderId = leaderId;
    this.raftTerm = term;
    return this;
  }

  /**
   * Fills the legacy {@code value} field of Get responses and Watch events even when the request
   * sets {@code omit_value}, as a node older than that field does.
   */
  public FakeKvServer ignoreOmitValue() {
    this.honourOmitValue = false;
    return this;
  }

  /**
   * Reports revisions {@code revisions} below the store's in response headers and health-check
   * trailers, as a node that has not applied the latest writes yet does (the data it serves stays
   * the shared store's).
   */
  public FakeKvServer behind(long revisions) {
    this.revisionsBehind = revisions;
    return this;
  }

  /**
   * The {@code grpc-encoding} of each call of {@code rpc} received so far, in order ("identity"
   * when the client sent none): how the client compressed its requests.
   */
  public List<String> requestEncodings(String rpc) {
    return List.copyOf(requestEncodings.getOrDefault(rpc, List.of()));
  }

  /** Calls left hanging that the client cancelled (or whose deadline passed) so far. */
  /** Health checks received (answered SERVING with the hints in the trailers, as a node does). */
  public int healthChecks() {
    return healthChecks.get();
  }

  public int cancelledCalls() {
    return cancelledCalls.get();
  }

  public FakeKvServer status(StatusResponse response) {
    this.status = response;
    return this;
  }

  /** The requests of {@code rpc} received so far, in order, failed ones included. */
  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> requests(String rpc) {
    return (List<T>) List.copyOf(requests.getOrDefault(rpc, List.of()));
  }

  public int openWatches() {
    return watches.size();
  }

  /** Sends {@code response} as is on every open watch stream (to replay or reorder on purpose). */
  public void sendToWatchers(WatchResponse response) {
    watches.forEach(watch -> watch.sendRaw(response));
  }

  /** Ends every open watch stream with {@code status}, as a node does when it drops watchers. */
  public void breakWatches(Status status) {
    watches.forEach(watch -> watch.fail(status));
  }

  /** Stops at once, cutting open calls and connections, like a killed node. */
  public void kill() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (StreamObserver<?> call : hanging) {
      try {
        call.onError(Status.UNAVAILABLE.withDescription("fake node closing").asException(withHints(null)));
      } catch (RuntimeException alreadyClosed) {
        // The client gave up on it first.
      }
    }
    kill();
  }

  /** As a node: SERVING, with this node's hints in the trailers; no answer while {@link #hangAll}. */
  private ServerServiceDefinition healthService() {
    ServerCallHandler<byte[], byte[]> check = (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<byte[]>() {
        @Override
        public void onHalfClose() {
          healthChecks.incrementAndGet();
          if (hang) {
            return;
          }
          call.sendHeaders(new Metadata());
          call.sendMessage(new byte[] {8, 1}); // HealthCheckResponse{status: SERVING}
          Metadata trailers = withHints(null);
          trailers.put(MemberHints.REVISION, Long.toString(reportedRevision()));
          call.close(Status.OK, trailers);
        }

        @Override
        public void onCancel() {
          cancelledCalls.incrementAndGet();
        }
      };
    };
    return ServerServiceDefinition.builder("grpc.health.v1.Health").addMethod(MemberHints.HEALTH_CHECK, check).build();
  }

  private io.grpc.ServerInterceptor recordEncodings() {
    Metadata.Key<String> encoding = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    return new io.grpc.ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
          ServerCallHandler<ReqT, RespT> next) {
        String used = headers.get(encoding);
        requestEncodings.computeIfAbsent(call.getMethodDescriptor().getBareMethodName(),
            rpc -> new CopyOnWriteArrayList<>()).add(used == null ? "identity" : used);
        return next.startCall(call, headers);
      }
    };
  }

  private long reportedRevision() {
    return Math.max(0, store.revision() - revisionsBehind);
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder()
        .setRevision(reportedRevision())
        .setMemberId(memberId)
        .setLeaderId(leaderId)
        .setRaftTerm(raftTerm)
        .build();
  }

  /** What a node adds to every error it answers: who answered, the leader it knows, its term. */
  private Metadata withHints(Metadata trailers) {
    Metadata all = new Metadata();
    if (trailers != null) {
      all.merge(trailers);
    }
    return MemberHints.addTo(all, memberId, Optional.of(leaderId), raftTerm);
  }

  /** Records the request; returns false when the call was failed or left hanging instead. */
  private boolean admit(String rpc, Message request, StreamObserver<?> observer) {
    requests.computeIfAbsent(rpc, r -> new CopyOnWriteArrayList<>()).add(request);
    Queue<Status> queued = oneShotFailures.get(rpc);
    Status injected = queued == null ? null : queued.poll();
    Metadata trailers = null;
    if (injected == Status.OK) {
      injected = null;
    } else if (injected == null) {
      injected = failure;
      trailers = failureTrailers;
    }
    if (injected != null) {
      observer.onError(injected.asException(withHints(trailers)));
      return false;
    }
    if (hang) {
      hanging.add(observer);
      ((ServerCallStreamObserver<?>) observer).setOnCancelHandler(cancelledCalls::incrementAndGet);
      return false;
    }
    return true;
  }

  private static <T> void reply(StreamObserver<T> observer, T response) {
    observer.onNext(response);
    observer.onCompleted();
  }

  private final class KvStoreService extends KvStoreGrpc.KvStoreImplBase {

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
      if (!admit("Put", request, observer)) {
        return;
      }
      if (request.getKey().isEmpty()) {
        observer.onError(Status.INVALID_ARGUMENT.withDescription("key must not be empty").asException(withHints(null)));
        return;
      }
      FakeStore.WriteResult result;
      try {
        result = store.put(request.getKey(), request.getValue(),
            request.hasRequestId() ? request.getRequestId() : null, request.toBuilder().clearRequestId().build());
      } catch (StatusRuntimeException refused) {
        observer.onError(refused);
        return;
      }
      PutResponse.Builder response = PutResponse.newBuilder()
          .setSuccess(true)
          .setHeader(header().toBuilder().setRevision(result.revision()));
      if (request.getPrevKv()) {
        result.previous().ifPresent(response::setPrevKv);
      }
      reply(observer, response.build());
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
      if (!admit("Get", request, observer)) {
        return;
      }
      GetResponse.Builder response = GetResponse.newBuilder().setKey(request.getKey()).setHeader(header());
      store.get(request.getKey()).ifPresent(kv -> {
        response.setFound(true).setKv(kv);
        if (!(request.getOmitValue() && honourOmitValue)) {
          response.setValue(kv.getValue());
        }
      });
      reply(observer, response.build());
    }

    @Override
    public void compact(CompactRequest request, StreamObserver<CompactResponse> observer) {
      if (!admit("Compact", request, observer)) {
        return;
      }
      // The bounds a node checks when it applies a compaction.
      long revision = request.getRevision();
      if (revision <= store.compactedThrough() || revision > store.revision()) {
        observer.onError(Status.OUT_OF_RANGE.withDescription("revision " + revision + " is outside "
            + (store.compactedThrough() + 1) + ".." + store.revision()).asRuntimeException());
        return;
      }
      store.compact(revision);
      reply(observer, CompactResponse.newBuilder().setHeader(header()).setCompactRevision(revision).build());
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
      if (!admit("Delete", request, observer)) {
        return;
      }
      FakeStore.WriteResult result;
      try {
        result = store.delete(request.getKey(),
            request.hasRequestId() ? request.getRequestId() : null, request.toBuilder().clearRequestId().build());
      } catch (StatusRuntimeException refused) {
        observer.onError(refused);
        return;
      }
      DeleteResponse.Builder response = DeleteResponse.newBuilder()
          .setSuccess(true)
          .setHeader(header().toBuilder().setRevision(result.revision()))
          .setDeleted(result.previous().isPresent() ? 1 : 0);
      if (request.getPrevKv()) {
        result.previous().ifPresent(response::setPrevKv);
      }
      reply(observer, response.build());
    }

    @Override
    public void getAll(GetAllRequest request, StreamObserver<GetAllResponse> observer) {
      if (!admit("GetAll", request, observer)) {
        return;
      }
      if (request.getLimit() < 0 || request.getLimit() > MAX_PAGE_ENTRIES) {
        observer.onError(Status.INVALID_ARGUMENT
            .withDescription("limit is " + request.getLimit() + "; use 1.." + MAX_PAGE_ENTRIES + ", or 0 for the maximum")
            .asException(withHints(null)));
        return;
      }
      int limit = request.getLimit() == 0 ? MAX_PAGE_ENTRIES : (int) request.getLimit();
      FakeStore.Page page = store.range(request.getPrefix(), request.getStartAfter(), limit, MAX_PAGE_BYTES);
      reply(observer, GetAllResponse.newBuilder()
          .addAllKvs(page.kvs())
          .setMore(page.more())
          .setCount(page.count())
          .setHeader(header().toBuilder().setRevision(page.revision()))
          .build());
    }

    /**
     * A Range as a node answers it, on a store without history: only the current revision can be
     * read (a past one is OUT_OF_RANGE, as if compacted), and every page of a read must come before
     * the next write. Pages by {@link #MAX_PAGE_ENTRIES} and {@link #MAX_PAGE_BYTES}.
     */
    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
      if (!admit("Range", request, observer)) {
        return;
      }
      RangePageToken token;
      try {
        RequestLimits.check(request);
        token = request.getPageToken().isEmpty() ? null : RangePageToken.of(request);
      } catch (StatusRuntimeException e) {
        observer.onError(e);
        return;
      }
      FakeStore.Page range = store.inRange(request.getKey(), request.getRangeEnd(), request.getPrefix());
      long at = token != null ? token.revision() : request.getRevision();
      if (at != 0 && at != range.revision()) {
        observer.onError(Status.OUT_OF_RANGE.withDescription("revision " + at + " is not the current one, "
            + range.revision() + ", the only one the fake keeps").asException(withHints(null)));
        return;
      }
      Comparator<KeyValue> order = switch (request.getSortTarget()) {
        case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
        case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
        case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
        case VALUE -> Comparator.comparing(KeyValue::getValue, ByteString.unsignedLexicographicalComparator());
        default -> (a, b) -> 0;
      };
      order = order.thenComparing(KeyValue::getKey, FakeStore.KEY_ORDER);
      List<KeyValue> sorted = new ArrayList<>(range.kvs());
      sorted.sort(request.getSortOrder() == SortOrder.DESCEND ? order.reversed() : order);
      RangeResponse.Builder response = RangeResponse.newBuilder()
          .setCount(sorted.size())
          .setHeader(header().toBuilder().setRevision(range.revision()));
      if (!request.getCountOnly()) {
        int from = token == null ? 0
            : 1 + sorted.stream().map(KeyValue::getKey).toList().indexOf(token.lastKey());
        int limit = request.getLimit() == 0 ? MAX_PAGE_ENTRIES : (int) request.getLimit();
        long bytes = 0;
        int next = from;
        for (; next < sorted.size() && next - from < limit; next++) {
          KeyValue kv = request.getKeysOnly() ? sorted.get(next).toBuilder().clearValue().build() : sorted.get(next);
          if (next > from && bytes + FakeStore.approximateSize(kv) > MAX_PAGE_BYTES) {
            break;
          }
          bytes += FakeStore.approximateSize(kv);
          response.addKvs(kv);
        }
        if (next < sorted.size()) {
          response.setMore(true).setNextPageToken(RangePageToken.after(request, range.revision(),
              sorted.get(next - 1).getKey()).encode());
        }
      }
      reply(observer, response.build());
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
      if (!admit("Txn", request, observer)) {
        return;
      }
      try {
        RequestLimits.check(request);
        TxnResponse response = store.txn(request);
        reply(observer, response.toBuilder()
            .setHeader(header().toBuilder().setRevision(response.getHeader().getRevision())).build());
      } catch (StatusRuntimeException e) {
        observer.onError(e);
      }
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
      if (!admit("DeleteRange", request, observer)) {
        return;
      }
      try {
        RequestLimits.check(request);
        DeleteRangeResponse response = store.deleteRange(request);
        reply(observer, response.toBuilder()
            .setHeader(header().toBuilder().setRevision(response.getHeader().getRevision())).build());
      } catch (StatusRuntimeException e) {
        observer.onError(e);
      }
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchResponse> observer) {
      if (!admit("Watch", request, observer)) {
        return;
      }
      if (request.getStartRevision() > 0 && request.getStartRevision() <= store.compactedThrough()) {
        observer.onError(Status.OUT_OF_RANGE
            .withDescription("revision " + request.getStartRevision() + " has been compacted")
            .asException(withHints(null)));
        return;
      }
      WatchStream stream = new WatchStream(request, (ServerCallStreamObserver<WatchResponse>) observer);
      stream.open();
    }
  }

  private final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
      if (!admit("Status", request, observer)) {
        return;
      }
      StatusResponse configured = status;
      reply(observer, configured != null ? configured : StatusResponse.newBuilder()
          .setHeader(header())
          .setClusterId("fake-cluster")
          .addMembers(MemberStatus.newBuilder()
              .setId(memberId)
              .setRaftAddress("127.0.0.1:6000")
              .setReachable(true)
              .setRole(MemberRole.LEADER)
              .setTerm(1)
              .setLeaderId(memberId)
              .setCommitIndex(store.revision())
              .setAppliedIndex(store.revision())
              .setSnapshotIndex(-1))
          .build());
    }

    /**
     * A backup of {@link #backupContent} in messages of at most 1 MiB; tampered with after its
     * checksum was taken, or broken with UNAVAILABLE after some messages, when told to.
     */
    @Override
    public void backup(BackupRequest request, StreamObserver<BackupResponse> observer) {
      if (!admit("Backup", request, observer)) {
        return;
      }
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      BackupHeader backupHeader = BackupHeader.newBuilder().setFormatVersion(BackupFile.FORMAT_VERSION)
          .setRevision(store.revision()).setKeyCount(backupKeys).setSnapshotFormat(4).setClusterId("fake-cluster")
          .setClusterName("kvstore").setMemberId(memberId).setCreatedUnixMillis(1_764_000_000_000L).build();
      BackupFile.Summary summary;
      try {
        BackupFile.Writer writer = BackupFile.writer(file, backupHeader);
        writer.write(backupContent);
        summary = writer.finish();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byte[] bytes = file.toByteArray();
      if (tamperBackup) {
        bytes[bytes.length / 2] ^= 0x01;
      }
      int chunk = 1 << 20;
      int sent = 0;
      for (int at = 0; at < bytes.length || at == 0; at += chunk) {
        if (sent == breakBackupAfter) {
          observer.onError(Status.UNAVAILABLE.withDescription("fake node lost the backup stream")
              .asException(withHints(null)));
          return;
        }
        int end = Math.min(bytes.length, at + chunk);
        BackupResponse.Builder message = BackupResponse.newBuilder().setBlob(ByteString.copyFrom(bytes, at, end - at));
        if (at == 0) {
          message.setHeader(header()).setRevision(backupHeader.getRevision()).setKeyCount(backupKeys);
        }
        if (end == bytes.length) {
          message.setDone(true).setSizeBytes(summary.sizeBytes()).setSha256(ByteString.copyFrom(summary.sha256()));
        }
        observer.onNext(message.build());
        sent++;
        if (end == bytes.length) {
          break;
        }
      }
      observer.onCompleted();
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
      if (!admit("Snapshot", request, observer)) {
        return;
      }
      reply(observer, SnapshotResponse.newBuilder()
          .setHeader(header())
          .setSnapshotIndex(store.revision())
          .build());
    }
  }

  /**
   * One server side of a watch: sends created, the retained history, then live changes, in order.
   * Changes that arrive while it is still replaying wait in {@code pending}.
   */
  private final class WatchStream {
    private final WatchRequest request;
    private final ServerCallStreamObserver<WatchResponse> observer;
    private final Consumer<WatchResponse> listener = this::offer;
    private final List<WatchResponse> pending = new ArrayList<>();
    private boolean live;
    private boolean done;

    WatchStream(WatchRequest request, ServerCallStreamObserver<WatchResponse> observer) {
      this.request = request;
      this.observer = observer;
      observer.setOnCancelHandler(this::detach);
    }

    void open() {
      watches.add(this);
      long createdAt = store.revision();
      // Built before taking this stream's lock: header() reads the store, whose lock is held while
      // it calls offer(), which takes this stream's lock.
      WatchResponse created = WatchResponse.newBuilder()
          .setCreated(true)
          .setHeader(header().toBuilder().setRevision(createdAt))
          .build();
      List<WatchResponse> replay = store.subscribe(request.getStartRevision(), listener);
      synchronized (this) {
        if (done) {
          return;
        }
        observer.onNext(created);
        replay.stream().filter(this::matches).map(this::shaped).forEach(observer::onNext);
        long replayedThrough = replay.isEmpty() ? 0 : replay.get(replay.size() - 1).getRevision();
        pending.stream().filter(event -> event.getRevision() > replayedThrough).map(this::shaped)
            .forEach(observer::onNext);
        pending.clear();
        live = true;
      }
    }

    private synchronized void offer(WatchResponse event) {
      if (done || !matches(event)) {
        return;
      }
      if (live) {
        observer.onNext(shaped(event));
      } else {
        pending.add(event);
      }
    }

    /** The event as the node sends it to this stream: without {@code value} when the request asked so. */
    private WatchResponse shaped(WatchResponse event) {
      return request.getOmitValue() && honourOmitValue ? event.toBuilder().clearValue().build() : event;
    }

    synchronized void sendRaw(WatchResponse response) {
      if (!done) {
        observer.onNext(response);
      }
    }

    void fail(Status status) {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        observer.onError(status.asException(withHints(null)));
      }
      detach();
    }

    private boolean matches(WatchResponse event) {
      return request.getPrefix()
          ? event.getKey().startsWith(request.getKey())
          : event.getKey().equals(request.getKey());
    }

    // Outside the stream's lock: the store calls offer() while holding its own lock.
    private void detach() {
      synchronized (this) {
        done = true;
      }
      watches.remove(this);
      store.unsubscribe(listener);
    }
  }
}

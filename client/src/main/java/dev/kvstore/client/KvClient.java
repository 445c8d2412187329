package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SnapshotRequest;
import dev.kvstore.api.SnapshotResponse;
import dev.kvstore.api.StatusRequest;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.api.WatchRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of a kvstore cluster that fails over between its endpoints.
 *
 * <p>Each call tries the endpoint that last worked, moves on to the next one when a node is
 * unreachable or too slow ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), and gives up after the
 * request timeout; every other error is the server's answer and is thrown at once. Writes carry a
 * request id that all their retries share, so a retry on another node is never applied twice.
 * Failures are thrown as {@link KvClientException}. Thread-safe; close it to release connections.
 *
 * <p>A request that breaks a documented limit ({@link RequestLimits}: a key empty or over 4096
 * bytes of UTF-8, a value over 1 MiB, a GetAll limit over 10,000, ...) is never sent: the call
 * throws {@link KvClientException} with code {@code INVALID_ARGUMENT} and the server's message.
 */
public final class KvClient implements AutoCloseable {

  private final EndpointRotation rotation;
  private final EndpointChannels channels;
  private final FailoverCaller caller;
  private final RequestIdSource requestIds;
  private final Duration attemptTimeout;
  private final Set<ResumingWatch> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  KvClient(
      EndpointRotation rotation,
      EndpointChannels channels,
      FailoverCaller caller,
      RequestIdSource requestIds,
      Duration attemptTimeout) {
    this.rotation = rotation;
    this.channels = channels;
    this.caller = caller;
    this.requestIds = requestIds;
    this.attemptTimeout = attemptTimeout;
  }

  /** Starts configuring a client. */
  public static Builder builder() {
    return new Builder();
  }

  /** The endpoints this client uses, as {@code host:port}, in rotation order. */
  public List<String> endpoints() {
    return rotation.endpoints().stream().map(Endpoint::toString).toList();
  }

  /** Sets {@code key} to {@code value}. */
  public PutResponse put(String key, ByteString value) {
    return put(key, value, false);
  }

  /** Sets {@code key} to the UTF-8 bytes of {@code utf8Value}. */
  public PutResponse put(String key, String utf8Value) {
    return put(key, ByteString.copyFromUtf8(Objects.requireNonNull(utf8Value, "value")), false);
  }

  /** Sets {@code key} to {@code value}; with {@code prevKv}, the response carries the previous entry. */
  public PutResponse put(String key, ByteString value, boolean prevKv) {
    PutRequest request = PutRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setValue(Objects.requireNonNull(value, "value"))
        .setPrevKv(prevKv)
        .setRequestId(requestIds.next())
        .build();
    checkBeforeSending("Put", () -> RequestLimits.check(request));
    return caller.call(rotation, KvStoreGrpc.getPutMethod(), request, true);
  }

  /** Reads {@code key} linearizably; {@code found} tells whether it exists. */
  public GetResponse get(String key) {
    return get(key, ReadConsistency.LINEARIZABLE);
  }

  /** Reads {@code key} with the given consistency; {@code found} tells whether it exists. */
  public GetResponse get(String key, ReadConsistency consistency) {
    GetRequest request = GetRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setConsistency(Objects.requireNonNull(consistency, "consistency"))
        .build();
    checkBeforeSending("Get", () -> RequestLimits.check(request));
    return caller.call(rotation, KvStoreGrpc.getGetMethod(), request, false);
  }

  /** Deletes {@code key}; {@code deleted} is 0 when it did not exist. */
  public DeleteResponse delete(String key) {
    return delete(key, false);
  }

  /** Deletes {@code key}; with {@code prevKv}, the response carries the deleted entry. */
  public DeleteResponse delete(String key, boolean prevKv) {
    DeleteRequest request = DeleteRequest.newBuilder()
        .setKey(Objects.requireNonNull(key, "key"))
        .setPrevKv(prevKv)
        .setRequestId(requestIds.next())
        .build();
    checkBeforeSending("Delete", () -> RequestLimits.check(request));
    return caller.call(rotation, KvStoreGrpc.getDeleteMethod(), request, true);
  }

  /** Lists every key, linearizably, up to the server's maximum number of entries. */
  public GetAllResponse getAll() {
    return getAll("");
  }

  /** Lists the keys under {@code prefix} (empty = all), linearizably, up to the server's maximum. */
  public GetAllResponse getAll(String prefix) {
    return getAll(prefix, 0, ReadConsistency.LINEARIZABLE);
  }

  /** Lists at most {@code limit} keys under {@code prefix} in key order (limit 0 = server maximum). */
  public GetAllResponse getAll(String prefix, long limit, ReadConsistency consistency) {
    GetAllRequest request = GetAllRequest.newBuilder()
        .setPrefix(Objects.requireNonNull(prefix, "prefix"))
        .setLimit(limit)
        .setConsistency(Objects.requireNonNull(consistency, "consistency"))
        .build();
    checkBeforeSending("GetAll", () -> RequestLimits.check(request));
    return caller.call(rotation, KvStoreGrpc.getGetAllMethod(), request, false);
  }

  /** Members, leader and progress of the cluster, as seen by the first node that answers. */
  public StatusResponse status() {
    return caller.call(rotation, MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(), false);
  }

  /**
   * Asks the endpoint in use to take a snapshot now; if it does not answer, the next one that does
   * takes it ({@code header.member_id} names the node).
   */
  public SnapshotResponse snapshot() {
    return caller.call(rotation, MaintenanceGrpc.getSnapshotMethod(), SnapshotRequest.getDefaultInstance(), false);
  }

  /** Asks exactly the node at {@code endpoint} ({@code host:port}) to take a snapshot now. */
  public SnapshotResponse snapshot(String endpoint) {
    EndpointRotation only = new EndpointRotation(List.of(Endpoint.parse(endpoint)));
    return caller.call(only, MaintenanceGrpc.getSnapshotMethod(), SnapshotRequest.getDefaultInstance(), false);
  }

  /**
   * Starts watching; events go to {@code listener} on the subscription's own thread until it is
   * closed or fails for good. Broken streams are resumed on another node without gaps or repeats.
   */
  public WatchSubscription watch(WatchOptions options, WatchListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    WatchRequest first = WatchRequest.newBuilder()
        .setKey(options.key())
        .setPrefix(options.prefix())
        .setStartRevision(options.startRevision())
        .build();
    checkBeforeSending("Watch", () -> RequestLimits.check(first));
    ResumingWatch watch =
        new ResumingWatch(options, listener, channels, rotation, attemptTimeout, watches::remove);
    watches.add(watch);
    watch.start();
    return watch;
  }

  /**
   * Refuses a request that breaks a documented limit without sending it, with the code and the
   * message the server would answer it with.
   *
   * @throws KvClientException with code INVALID_ARGUMENT
   */
  private static void checkBeforeSending(String rpc, Runnable check) {
    try {
      check.run();
    } catch (StatusRuntimeException e) {
      throw new KvClientException(e.getStatus().getCode(),
          rpc + " not sent: " + e.getStatus().getCode() + " (" + e.getStatus().getDescription() + ")", false, e);
    }
  }

  /** Closes open watches and shuts the connections down. */
  @Override
  public void close() {
    closed = true;
    new ArrayList<>(watches).forEach(ResumingWatch::close);
    channels.close();
  }

  /** Configures a {@link KvClient}: endpoints are required, timeouts have defaults. */
  public static final class Builder {

    private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    private List<Endpoint> endpoints = List.of();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;

    private Builder() {}

    /** The cluster's client endpoints as {@code host:port}; any node can serve any call. */
    public Builder endpoints(List<String> endpoints) {
      List<Endpoint> parsed = new ArrayList<>();
      for (String endpoint : Objects.requireNonNull(endpoints, "endpoints")) {
        Endpoint next = Endpoint.parse(endpoint);
        if (!parsed.contains(next)) {
          parsed.add(next);
        }
      }
      if (parsed.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint is required");
      }
      this.endpoints = List.copyOf(parsed);
      return this;
    }

    /** The endpoints as one comma-separated string, e.g. {@code "n1:50051,n2:50051"}. */
    public Builder endpoints(String commaSeparated) {
      return endpoints(Arrays.stream(Objects.requireNonNull(commaSeparated, "endpoints").split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .toList());
    }

    /** Upper bound on a whole call, retries included (default 5 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** Upper bound on one attempt on one node before trying the next (default 2 s). */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = positive(timeout, "attemptTimeout");
      return this;
    }

    /** Builds the client; connections open lazily, on first use of each endpoint. */
    public KvClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("endpoints are required");
      }
      EndpointChannels channels = new EndpointChannels();
      return new KvClient(
          new EndpointRotation(endpoints),
          channels,
          new FailoverCaller(channels, requestTimeout, attemptTimeout),
          new RequestIdSource(),
          attemptTimeout);
    }

    private static Duration positive(Duration timeout, String name) {
      Objects.requireNonNull(timeout, name);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + timeout);
      }
      return timeout;
    }
  }
}

package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.BackupFile;
import dev.kvstore.api.CompactResponse;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.DeleteResponse;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SnapshotResponse;
import dev.kvstore.api.StatusResponse;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.api.WatchCreateRequest;
import dev.kvstore.api.WatchRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of a kvstore cluster that fails over between its endpoints.
 *
 * <p>A write starts on the leader when the client knows where it answers, a read on the member
 * the balancer picks (see {@link Builder#readBalancing}: by default a linearizable read on the leader
 * when the client knows it, a serializable one spread over the usable members),
 * any other call on the endpoint that last worked. A call moves on to the next endpoint when a node
 * is unreachable or too slow ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), and gives up after the
 * request timeout; every other error is the server's answer and is thrown at once. Writes carry a
 * request id that all their retries share, so a retry on another node is never applied twice.
 * Failures are thrown as {@link KvClientException}. Thread-safe; close it to release connections.
 *
 * <p>A request that breaks a documented limit ({@link RequestLimits}: a key empty or over 4096
 * bytes of UTF-8, a value over 1 MiB, a GetAll limit over 10,000, ...) is never sent: the call
 * throws {@link KvClientException} with code {@code INVALID_ARGUMENT} and the server's message.
 * <p>Leaving a failed node quickly: every answer (response header, or the trailers of an error)
 * names the answering node, its leader and term, so writes go to the leader first once the client
 * has heard of it (and has had an answer from its endpoint); attempt timeouts adapt to the response
 * times observed (see {@link Builder#attemptTimeoutFloor}); and a read that has not answered within
 * its hedge delay is also sent to the next endpoint (see {@link Builder#hedgeDelayFloor}).
 *
 * <p>Timeouts: the request timeout bounds the whole call, connects and retries included; each
 * attempt first waits for its endpoint's connection (at most the connect timeout), then gives the
 * RPC its attempt timeout. The first endpoint's channel is built when the client is built (that
 * loads the transport: hundreds of milliseconds on a busy machine, never counted against a call);
 * the channel of any other endpoint when a call or {@link #connect} first needs it (a few
 * milliseconds, counted against that call). Connections open on first use of each endpoint.
 *
 * <p>Every call here blocks its thread; {@link #async()} offers the same calls returning
 * {@link CompletableFuture}s, for callers that keep many requests in flight. Both are one
 * implementation: a blocking call is an asynchronous one waited for on the calling thread.
 */
public final class KvClient implements AutoCloseable {

  private final EndpointRotation rotation;
  private final EndpointChannels channels;
  private final FailoverCaller caller;
  private final KvCalls calls;
  private final KvAsyncClient async;
  private final LeaseClient lease;
  private final AuthCalls authCalls;
  private final AuthClient auth;
  private final ClusterClient cluster;
  /** Set by the builder when it signed in; null without credentials. */
  private volatile TokenSession session;
  private final Duration attemptTimeout;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Set<ResumingWatch<?, ?>> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  KvClient(
      EndpointRotation rotation,
      EndpointChannels channels,
      FailoverCaller caller,
      RequestIdSource requestIds,
      Duration attemptTimeout,
      Duration connectTimeout,
      Duration requestTimeout) {
    this.rotation = rotation;
    this.channels = channels;
    this.caller = caller;
    this.calls = new KvCalls(rotation, caller, requestIds);
    this.async = new KvAsyncClient(calls);
    this.lease = new LeaseClient(new LeaseCalls(rotation, caller, requestIds), channels, rotation, attemptTimeout);
    this.authCalls = new AuthCalls(rotation, caller, requestIds);
    this.auth = new AuthClient(authCalls);
    this.cluster = new ClusterClient(new ClusterCalls(rotation, caller));
    this.attemptTimeout = attemptTimeout;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
  }

  /** Starts configuring a client. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The same calls without blocking, on this client's connections and with everything it learned
   * (leader, response times, preferred endpoint); see {@link KvAsyncClient} for where its futures
   * complete. Closing this client ends it too.
   */
  public KvAsyncClient async() {
    return async;
  }

  /** Leases: grant, revoke, time-to-live, list and automatic keep-alive, on this client's connections. */
  public LeaseClient lease() {
    return lease;
  }

  /**
   * The user this client is signed in as, or empty: no {@link Builder#credentials} were given, or
   * the cluster had authentication off (the password was then not checked).
   */
  public java.util.Optional<String> signedInUser() {
    return session == null ? java.util.Optional.empty() : session.user();
  }

  /** Users, roles and the authentication switch, on this client's connections. */
  public AuthClient auth() {
    return auth;
  }

  /** Cluster membership: list, add, promote, remove members and move the leader, on this client's connections. */
  public ClusterClient cluster() {
    return cluster;
  }

  /** What the client knows about where to send reads (for tests). */
  ReadBalancer balancer() {
    return caller.balancer();
  }

  /** The endpoints this client uses, as {@code host:port}, in rotation order. */
  public List<String> endpoints() {
    return rotation.endpoints().stream().map(Endpoint::toString).toList();
  }

  /**
   * Connects to the cluster now, before any call's clock starts: connects to the preferred
   * endpoint and, only if it fails or has not connected within 250 ms, to the next one, and so on
   * (as Happy Eyeballs, RFC 8305, tries addresses; see {@link StaggeredConnect}); returns once one
   * is ready, all of them failed, or {@code timeout} passed. When the endpoint that became ready is
   * not the preferred one, later calls start on it. Optional: calls connect by themselves (within
   * their request timeout); this is for a program whose first call must not pay for connecting,
   * as etcdctl dials (bounded by its {@code --dial-timeout}) before its command timeout starts.
   *
   * @param timeout how long to wait at most
   * @return true when an endpoint is connected; false when none could be within {@code timeout}
   *     (or the calling thread was interrupted, which stays set)
   * @throws IllegalStateException when the client is closed
   */
  public boolean connect(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    CompletableFuture<Integer> firstReady =
        StaggeredConnect.firstReady(channels, rotation, timeout, StaggeredConnect.STAGGER, caller.timer());
    int ready;
    try {
      // Every connect attempt settles within the timeout; the margin covers the timer's lateness.
      ready = firstReady.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
    if (ready < 0) {
      return false;
    }
    if (channels.channelFor(rotation.at(rotation.preferred())).getState(false) != ConnectivityState.READY) {
      rotation.succeeded(ready);
    }
    return true;
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
    return caller.call(() -> calls.put(key, value, prevKv));
  }

  /**
   * Sets {@code key} to {@code value} attached to lease {@code lease} (0: to none), so that it is
   * deleted when the lease ends; NOT_FOUND when the lease does not exist.
   */
  public PutResponse put(String key, ByteString value, boolean prevKv, long lease) {
    return caller.call(() -> calls.put(key, value, prevKv, lease));
  }

  /** Reads {@code key} linearizably; {@code found} tells whether it exists. */
  public GetResponse get(String key) {
    return get(key, ReadConsistency.LINEARIZABLE);
  }

  /** Reads {@code key} with the given consistency; {@code found} tells whether it exists. */
  public GetResponse get(String key, ReadConsistency consistency) {
    return caller.call(() -> calls.get(key, consistency));
  }

  /** Deletes {@code key}; {@code deleted} is 0 when it did not exist. */
  public DeleteResponse delete(String key) {
    return delete(key, false);
  }

  /** Deletes {@code key}; with {@code prevKv}, the response carries the deleted entry. */
  public DeleteResponse delete(String key, boolean prevKv) {
    return caller.call(() -> calls.delete(key, prevKv));
  }

  /**
   * Discards the history before {@code revision} on every member (etcd's compaction): reads at and
   * watches from older revisions then fail with OUT_OF_RANGE. Takes no revision of its own.
   *
   * @return the response, whose {@code compact_revision} is the oldest readable revision now
   * @throws KvClientException OUT_OF_RANGE when {@code revision} is already compacted or above the
   *     current revision (the message gives the range allowed); INVALID_ARGUMENT below 1
   */
  public CompactResponse compact(long revision) {
    return caller.call(() -> calls.compact(revision));
  }

  /**
   * The first page of every key, linearizably: at most {@value GetAllOptions#MAX_PAGE_ENTRIES}
   * entries or about 3 MiB; {@code more} says whether others follow. To list them all, use
   * {@link #getAllStream} or {@link #getAllPages}.
   */
  public GetAllResponse getAll() {
    return getAll(GetAllOptions.all());
  }

  /** The first page of the keys under {@code prefix} (empty = all), linearizably; see {@link #getAll()}. */
  public GetAllResponse getAll(String prefix) {
    return getAll(GetAllOptions.forPrefix(prefix));
  }

  /**
   * The first page of at most {@code limit} keys under {@code prefix} in key order (0 = a full page).
   *
   * @throws IllegalArgumentException for a negative limit
   */
  public GetAllResponse getAll(String prefix, long limit, ReadConsistency consistency) {
    return getAll(new GetAllOptions(prefix, "", limit, consistency));
  }

  /**
   * One page of a listing, in one call (with failover like any read): the keys of
   * {@code options} in key order, at most its limit (0 = no limit), and at most what one page holds
   * ({@value GetAllOptions#MAX_PAGE_ENTRIES} entries or about 3 MiB). {@code more} is true when
   * other keys match after the last one returned: pass that key as {@code startAfter} to get the
   * next page. {@code count} is the number of keys that match (prefix and start after), returned or
   * not. The page reflects one store revision ({@code header.revision}).
   *
   * @throws KvClientException if no node answered in time, or the server refused the request
   */
  public GetAllResponse getAll(GetAllOptions options) {
    Objects.requireNonNull(options, "options");
    return getAllPage(options.pageRequest(options.startAfter(), options.limit()));
  }

  /**
   * Every page of a listing, fetched lazily: each {@link Iterator#hasNext} that needs a page makes
   * one call (with failover and the client's request timeout, like any read) for the keys after
   * the last key of the previous page. It ends after the page whose {@code more} is false, or once
   * the options' limit is reached (then that last page's {@code more} says whether keys were left
   * out). The first page is always returned, even when empty. Only one page is held in memory; no
   * connection or server resource is held between pages, so there is nothing to close and the
   * iterator may be dropped part-way. Not thread-safe.
   *
   * <p><b>Consistency.</b> Each page is read with the options' consistency: a linearizable page
   * reflects every write acknowledged before it was requested; a serializable one is the answering
   * node's local state. Each page is one store revision on its own, but the pages together are not
   * one snapshot: a key written or deleted during the listing may or may not appear, and each page
   * may reflect a later revision than the one before. Keys still come in strictly increasing order
   * and no key appears twice. ({@link #rangePages} lists at one fixed revision.)
   *
   * <p>A failed page call throws {@link KvClientException} from {@code hasNext} or {@code next}; a
   * listing never ends early without saying so.
   */
  public Iterator<GetAllResponse> getAllPages(GetAllOptions options) {
    Objects.requireNonNull(options, "options");
    return new GetAllPages(options, this::getAllPage);
  }

  /**
   * Every entry of a listing, in key order, fetched lazily page by page as the stream is consumed
   * (see {@link #getAllPages} for the paging, the consistency and the failures): at most one page
   * is held in memory, and a short-circuiting stream stops fetching. The options' limit caps the
   * number of entries and the size of the last page asked for, so prefer it to
   * {@link Stream#limit}. Sequential; a failed page call throws {@link KvClientException} from the
   * terminal operation. There is nothing to close.
   *
   * <pre>{@code
   * kv.getAllStream(GetAllOptions.forPrefix("config/"))
   *     .forEach(e -> System.out.println(e.getKey()));
   * }</pre>
   */
  public Stream<KeyValue> getAllStream(GetAllOptions options) {
    Spliterator<GetAllResponse> pages = Spliterators.spliteratorUnknownSize(
        getAllPages(options), Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(pages, false).flatMap(page -> page.getKvsList().stream());
  }

  private GetAllResponse getAllPage(GetAllRequest request) {
    return caller.call(() -> calls.getAll(request));
  }

  /**
   * The first page of a range read (see {@link #range(RangeOptions, String)}).
   *
   * @throws KvClientException as {@link #range(RangeOptions, String)}
   */
  public RangeResponse range(RangeOptions options) {
    return range(options, "");
  }

  /**
   * One page of a range read, in one call (with failover like any read): the entries of
   * {@code options} in its order, at most its limit and what one page holds
   * ({@value RangeOptions#MAX_PAGE_ENTRIES} entries or about 3 MiB). {@code count} is the number of
   * entries in the whole range at the revision read. When {@code more} is true, pass
   * {@code next_page_token} as {@code pageToken} with the same options for the next page, which is
   * at the same revision ({@code header.revision}) as this one. {@link #rangePages} does that.
   *
   * @param pageToken "" for the first page, else the previous page's {@code next_page_token}
   * @throws KvClientException if no node answered in time, or the server refused the request:
   *     INVALID_ARGUMENT (also before sending, for a request over a documented limit or a token of
   *     another read), OUT_OF_RANGE for a revision in the future or compacted
   */
  public RangeResponse range(RangeOptions options, String pageToken) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(pageToken, "pageToken");
    return rangePage(options.pageRequest(pageToken, options.limit()));
  }

  /**
   * Every page of a range read, fetched lazily: each {@link Iterator#hasNext} that needs a page
   * makes one call (with failover and the client's request timeout, like any read) with the
   * previous page's token. All pages are at the revision of the first one, so together they are
   * one consistent cut of the store: every entry of the range at that revision exactly once, in
   * order, whatever is written meanwhile. It ends after the page whose {@code more} is false, or
   * once the options' limit is reached. Only one page is held in memory; nothing is held on the
   * server between pages, so there is nothing to close. Not thread-safe.
   *
   * <p>The pages need the first page's revision to stay readable until the last: a read that
   * outlives the server's history retention fails with OUT_OF_RANGE (start it over). A failed page
   * call throws {@link KvClientException} from {@code hasNext} or {@code next}.
   */
  public Iterator<RangeResponse> rangePages(RangeOptions options) {
    Objects.requireNonNull(options, "options");
    return new RangePages(options, this::rangePage);
  }

  /**
   * Every entry of a range read, in its order, fetched lazily page by page as the stream is
   * consumed (see {@link #rangePages}): at most one page is held in memory, and a
   * short-circuiting stream stops fetching. Sequential; a failed page call throws
   * {@link KvClientException} from the terminal operation. There is nothing to close.
   */
  public Stream<KeyValue> rangeStream(RangeOptions options) {
    Spliterator<RangeResponse> pages = Spliterators.spliteratorUnknownSize(
        rangePages(options), Spliterator.ORDERED | Spliterator.NONNULL);
    return StreamSupport.stream(pages, false).flatMap(page -> page.getKvsList().stream());
  }

  private RangeResponse rangePage(RangeRequest request) {
    return caller.call(() -> calls.range(request));
  }

  /**
   * Runs a transaction: its {@code then} operations when every comparison holds, else its
   * {@code orElse} ones, atomically and with all writes at one revision ({@code header.revision};
   * none when nothing changed). {@code succeeded} says which branch ran; {@code responses} holds one
   * response per operation of that branch. A retry after a failover is applied once (the call
   * carries a request id).
   *
   * @throws KvClientException INVALID_ARGUMENT (before sending, for a request over a documented
   *     limit; from the server, for a key written twice in one branch), or when no node answered in
   *     time ({@code outcomeUnknown()} when it may have been applied)
   */
  public TxnResponse txn(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    return caller.call(() -> calls.txn(txn));
  }

  /**
   * Sets {@code key} to {@code value} only if its value is {@code expected} (null: only if it does
   * not exist), atomically: of concurrent swaps from the same expectation exactly one wins.
   *
   * @throws KvClientException as {@link #txn}
   */
  public CasResult cas(String key, ByteString expected, ByteString value) {
    return casResult(key, txn(KvCalls.cas(key, casExpectation(key, expected), value)));
  }

  /**
   * Sets {@code key} to {@code value} only if its last write was at {@code modRevision} (0: only if
   * it does not exist), atomically.
   *
   * @throws KvClientException as {@link #txn}
   */
  public CasResult casModRevision(String key, long modRevision, ByteString value) {
    return casResult(key, txn(KvCalls.cas(key, Cmp.modRevision(key).equal(modRevision), value)));
  }

  private CasResult casResult(String key, TxnResponse response) {
    return CasResult.lostWithoutItsEntry(response)
        ? CasResult.lost(response, range(RangeOptions.key(key).atRevision(response.getHeader().getRevision())))
        : CasResult.of(response);
  }

  /** The comparison of a {@link #cas}: the value is {@code expected}, or the key is absent for null. */
  static Compare casExpectation(String key, ByteString expected) {
    return expected == null ? Cmp.version(key).equal(0) : Cmp.value(key).equal(expected);
  }

  /**
   * Deletes every key that starts with {@code prefix} ("" = every key) at one revision.
   * {@code deleted} counts them; with {@code prevKv}, {@code prev_kvs} holds the deleted entries in
   * key order, as many as fit about 3 MiB (read older ones at {@code header.revision - 1} when more
   * were deleted than returned).
   *
   * @throws KvClientException as {@link #delete(String)}
   */
  public DeleteRangeResponse deletePrefix(String prefix, boolean prevKv) {
    Objects.requireNonNull(prefix, "prefix");
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(prefix).setPrefix(true).setPrevKv(prevKv).build());
  }

  /**
   * Deletes the keys in [{@code key}, {@code rangeEnd}) at one revision ({@code rangeEnd}
   * {@link dev.kvstore.api.RequestLimits#ALL_FROM_KEY}: every key from {@code key} on), as
   * {@link #deletePrefix}.
   */
  public DeleteRangeResponse deleteRange(String key, String rangeEnd, boolean prevKv) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(rangeEnd, "rangeEnd");
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd).setPrevKv(prevKv).build());
  }

  /** Deletes what {@code request} names (its request id is the client's), as {@link #deletePrefix}. */
  public DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
    Objects.requireNonNull(request, "request");
    return caller.call(() -> calls.deleteRange(request));
  }

  /** Members, leader and progress of the cluster, as seen by the first node that answers. */
  public StatusResponse status() {
    return caller.call(calls::status);
  }

  /**
   * Asks the endpoint in use to take a snapshot now; if it does not answer, the next one that does
   * takes it ({@code header.member_id} names the node).
   */
  public SnapshotResponse snapshot() {
    return caller.call(() -> calls.snapshot(null));
  }

  /**
   * Asks exactly the node at {@code endpoint} ({@code host:port}) to take a snapshot now. Like
   * {@link #snapshot()}, one attempt may take the whole request timeout: a snapshot of a million
   * keys takes seconds, so give the client a request timeout to match.
   */
  public SnapshotResponse snapshot(String endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    return caller.call(() -> calls.snapshot(endpoint));
  }

  /**
   * Saves a backup of the cluster's whole state at one revision into {@code file}, as etcdctl's
   * {@code snapshot save}: streamed by the endpoint in use ({@code Maintenance.Backup}; the
   * revision holds every write acknowledged before the call), written to {@code FILE.part}, and
   * renamed to {@code file} (replacing it) only once complete, on disk and verified (SHA-256).
   * Another endpoint starts it again when one is unavailable or its stream breaks. The request
   * timeout bounds the whole download: a large store needs a long one.
   *
   * @return the backup's header (revision, keys, source cluster), size and SHA-256
   * @throws KvClientException PERMISSION_DENIED without the role root (authentication on),
   *     UNAVAILABLE or DEADLINE_EXCEEDED when no endpoint delivered it in time, DATA_LOSS when what
   *     arrived does not verify; no {@code FILE.part} is left behind
   * @throws java.io.UncheckedIOException when the file cannot be written
   */
  public BackupFile.Summary saveBackup(Path file) {
    Objects.requireNonNull(file, "file");
    return backupFrom(rotation.endpoints(), rotation.preferred(), file);
  }

  /** As {@link #saveBackup(Path)}, from exactly the node at {@code endpoint} ({@code host:port}). */
  public BackupFile.Summary saveBackup(Path file, String endpoint) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(endpoint, "endpoint");
    return backupFrom(List.of(Endpoint.parse(endpoint)), 0, file);
  }

  private BackupFile.Summary backupFrom(List<Endpoint> endpoints, int start, Path file) {
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    List<Endpoint> order = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      order.add(endpoints.get((start + i) % endpoints.size()));
    }
    return new BackupDownload(channels, order, requestTimeout).saveTo(file);
  }

  /**
   * Starts watching; events go to {@code listener}, one at a time and in order, on the client's
   * callback executor (see {@link Builder#callbackExecutor}), until the subscription is closed or
   * fails for good. Broken streams are resumed on another node without gaps or repeats. A watch
   * holds no thread while it waits for events, so one client can keep many thousands open.
   */
  public WatchSubscription watch(WatchOptions options, WatchListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    if (!options.originalWatchSuffices()) {
      throw new IllegalArgumentException("the original watch takes a key or a prefix and a start revision only;"
          + " for intervals, previous values, filters or progress use watch(WatchOptions, RevisionListener)");
    }
    WatchRequest first = WatchRequest.newBuilder()
        .setKey(options.key())
        .setPrefix(options.prefix())
        .setStartRevision(options.startRevision())
        .build();
    KvCalls.checkBeforeSending("Watch", () -> RequestLimits.check(first));
    return start(new OriginalWatchProtocol(options, listener), options.startRevision());
  }

  /**
   * Starts watching through the Watch service: keys, a prefix or an interval, with previous values,
   * PUT or DELETE filters and progress as {@code options} say; the changes of each revision (a
   * transaction) go to {@code listener} in one call, in order, on the client's callback executor.
   * Broken streams are resumed on another node from the revision after the last one delivered (or
   * the last progress), without gaps or repeats; a watch the node drops for falling behind is
   * resumed too. It fails for good ({@link RevisionListener#onError}) when its start revision is
   * compacted on every node, or on a request the node refuses.
   *
   * @throws KvClientException INVALID_ARGUMENT for options that break a limit (see {@link RequestLimits})
   */
  public WatchSubscription watch(WatchOptions options, RevisionListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    WatchCreateRequest first = WatchServiceProtocol.createRequest(options, options.startRevision()).getCreateRequest();
    KvCalls.checkBeforeSending("Watch", () -> RequestLimits.check(first));
    return start(new WatchServiceProtocol(options, listener), options.startRevision());
  }

  private WatchSubscription start(WatchProtocol<?, ?> protocol, long startRevision) {
    if (closed) {
      throw new IllegalStateException("KvClient is closed");
    }
    ResumingWatch<?, ?> watch = new ResumingWatch<>(protocol, startRevision, channels, rotation, attemptTimeout,
        connectTimeout, caller.callbacks(), caller.timer(), watches::remove);
    watches.add(watch);
    watch.start();
    return watch;
  }

  /**
   * Closes open watches and shuts the connections down. Calls still running end soon after with
   * an error; asynchronous calls started later fail with {@link IllegalStateException}.
   */
  @Override
  public void close() {
    closed = true;
    new ArrayList<>(watches).forEach(ResumingWatch::close);
    lease.close();
    caller.discovery().close();
    caller.balancer().close();
    channels.close();
    caller.close();
  }

  /** Configures a {@link KvClient}: endpoints are required, timeouts have defaults. */
  public static final class Builder {

    private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration DEFAULT_ATTEMPT_TIMEOUT_FLOOR = Duration.ofMillis(500);
    private static final Duration DEFAULT_HEDGE_DELAY_FLOOR = Duration.ofMillis(250);

    private List<Endpoint> endpoints = List.of();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private ByteString clientId;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration attemptTimeoutFloor = DEFAULT_ATTEMPT_TIMEOUT_FLOOR;
    private Duration hedgeDelayFloor = DEFAULT_HEDGE_DELAY_FLOOR;
    private boolean hedgeReads = true;
    private ReadBalancing readBalancing = ReadBalancing.LEAST_OUTSTANDING;
    private boolean spreadLinearizableReads;
    private long serializableReadLagLimit = ReadBalancer.DEFAULT_LAG_LIMIT;
    private Compression compression = Compression.NONE;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Executor callbackExecutor;
    private ChannelFactory channelFactory;
    private LongSupplier nanoClock = System::nanoTime;
    private TlsFiles tls;
    private String user;
    private String password;

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

    /**
     * Upper bound on a whole call (default 5 s): from the moment the method is called until it
     * returns or throws, connects, every attempt, hedges and pauses between attempts included.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Upper bound on one attempt's RPC on one node, once its connection is up, before the call tries
     * the next node (default 2 s). For Get, GetAll, Put and Delete this is the maximum of the
     * adaptive attempt timeout (see {@link #attemptTimeoutFloor}); Status always gets it, and
     * Snapshot gets the whole request timeout instead (a snapshot of a large store takes seconds).
     * It is the deadline the node sees (capped by the time the request has left).
     */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = positive(timeout, "attemptTimeout");
      return this;
    }

    /**
     * A fixed 16-byte client id instead of a random one. Package-private on purpose: two clients
     * with one id reuse each other's request ids, which only tests of that fault should do.
     */
    Builder clientId(ByteString id) {
      this.clientId = Objects.requireNonNull(id, "clientId");
      return this;
    }

    /**
     * How long one attempt waits for its node's connection (TCP and HTTP/2 handshake) before it
     * fails with {@code UNAVAILABLE} "could not connect" and the call moves on (default 1 s; never
     * more than the time the request has left). It does not count against the attempt timeout.
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * The least adaptive attempt timeout (default 500 ms). Once calls of a kind have succeeded, an
     * attempt of that kind gets SRTT + 4 * RTTVAR of their response times (RFC 6298's estimator,
     * from successful attempts only), but never less than this floor nor more than the attempt
     * timeout; each attempt of the same call that ran out of time doubles it for the next. So a
     * paused node costs a call about this floor instead of the whole attempt timeout. Keep it well
     * above the cluster's slowest normal answers (a node answers 100 ms before the caller's
     * deadline with its own reason, so a floor under ~300 ms leaves it no time to wait for a new
     * leader). Before the first success of a kind the attempt timeout applies.
     */
    public Builder attemptTimeoutFloor(Duration floor) {
      this.attemptTimeoutFloor = positive(floor, "attemptTimeoutFloor");
      return this;
    }

    /**
     * The least delay before a read (Get, GetAll) that has not answered is also sent to the next
     * endpoint (default 250 ms). The delay is SRTT + 4 * RTTVAR of that kind's response times,
     * clamped between this floor and the adaptive attempt timeout; before the first success of a
     * kind no read is hedged before its attempt timeout. The first definitive answer wins and the
     * other attempt is cancelled. Writes are never hedged.
     */
    public Builder hedgeDelayFloor(Duration floor) {
      this.hedgeDelayFloor = positive(floor, "hedgeDelayFloor");
      return this;
    }

    /** Whether reads are hedged (default true); without, a read waits for its attempt timeout. */
    public Builder hedgeReads(boolean hedge) {
      this.hedgeReads = hedge;
      return this;
    }

    /**
     * Where reads start (default {@link ReadBalancing#LEAST_OUTSTANDING}: serializable reads spread
     * over the usable members, each on the one with the fewest of this client's calls in flight,
     * round robin among equals, and linearizable reads on the leader when the client knows it (see
     * {@link #spreadLinearizableReads}); {@link ReadBalancing#STICKY}: on the endpoint that last
     * answered, as before balancing). Reads are Get, GetAll, Range and the lease and auth reads,
     * linearizable or serializable. Writes go to the leader once the client knows where it answers,
     * whatever this says, and a call that fails moves on to the next endpoint either way (request
     * ids, hedging and timeouts unchanged). A member whose last call failed with {@code UNAVAILABLE} or
     * {@code DEADLINE_EXCEEDED} gets no reads until it answers a health check with SERVING (asked at
     * most once a second while reads would want it), and one that lags is avoided for serializable
     * reads (see {@link #serializableReadLagLimit}).
     */
    public Builder readBalancing(ReadBalancing balancing) {
      this.readBalancing = Objects.requireNonNull(balancing, "readBalancing");
      return this;
    }

    /**
     * With {@link ReadBalancing#LEAST_OUTSTANDING}, spread linearizable reads over the members like
     * serializable ones (default false: they start on the leader when the client knows where it
     * answers and it is usable). Spreading costs the cluster more CPU and a round trip per read
     * round on followers, since the leader confirms every linearizable read wherever it is served;
     * it can still pay when answers are large and the leader's network or its gRPC work is the limit.
     */
    public Builder spreadLinearizableReads(boolean spread) {
      this.spreadLinearizableReads = spread;
      return this;
    }

    /**
     * How many store revisions a member may be behind the newest revision this client has seen and
     * still serve its serializable reads (default 1,000), with {@link ReadBalancing#LEAST_OUTSTANDING}.
     * The client learns a member's revision from the headers of its reads' answers and from health
     * checks, at no extra cost; a member further behind is sent serializable reads again once a
     * health check (at most one a second) or a linearizable read finds it caught up, or when every
     * other member is unusable. Linearizable reads ignore this: they wait for the leader's read index
     * wherever they go. 0 avoids a member that showed any lag at all.
     *
     * @throws IllegalArgumentException for a negative number
     */
    public Builder serializableReadLagLimit(long revisions) {
      if (revisions < 0) {
        throw new IllegalArgumentException("serializableReadLagLimit must be 0 or more revisions, got " + revisions);
      }
      this.serializableReadLagLimit = revisions;
      return this;
    }

    /**
     * Compress every call's messages (default {@link Compression#NONE}). With
     * {@link Compression#GZIP} requests go out gzip-compressed and nodes answer them compressed
     * too (gRPC's message compression; watch and keep-alive streams included). It trades CPU on
     * both sides for bytes on the wire: worth it for large, compressible values over a slow or
     * metered link. Limits apply to the uncompressed messages.
     */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * Applies {@code interceptor} to every channel the client opens (one per endpoint, opened when
     * first needed), so it sees every call the client makes: requests, retries, hedges, health
     * checks, watch and keep-alive streams. Interceptors run in the order added, after the
     * client's own (credentials, {@link #compression}), so the call options they see are the ones
     * the call goes out with; an interceptor that adds a {@link io.grpc.ClientStreamTracer.Factory}
     * to them observes each attempt on the wire (e.g. its message sizes in bytes). An interceptor
     * runs on the caller's or gRPC's threads and must not block.
     */
    public Builder interceptor(ClientInterceptor interceptor) {
      this.interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Where the futures of {@link KvClient#async()} complete, and so where stages chained on them
     * without an executor of their own run; watch listeners run there too (each watch's calls one
     * at a time). Default: a cached pool of daemon threads that the client owns and shuts down when
     * it is closed, so a callback never runs on a gRPC or timer thread of the client and one that
     * blocks (even on a blocking call of this client) delays no other call. An executor given here
     * is the caller's to shut down (after closing the client: its watches need it until then);
     * one that runs tasks on the calling thread (a direct executor) would run callbacks on gRPC's
     * threads, which is only safe for callbacks that never block.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /**
     * Speak TLS to the nodes, trusting the CA certificates of the PEM file {@code trustedCaFile}
     * (default: plaintext). A node whose certificate does not name its endpoint's host, or is not
     * signed by those CAs, is refused.
     */
    public Builder tls(Path trustedCaFile) {
      this.tls = new TlsFiles(trustedCaFile, null, null);
      return this;
    }

    /**
     * Speak TLS and present the client certificate {@code certFile} (PEM) with its key {@code keyFile}
     * (PEM, PKCS#8), for nodes that require client certificates (mTLS; the node may take the
     * certificate's common name as the user).
     */
    public Builder tls(Path trustedCaFile, Path certFile, Path keyFile) {
      this.tls = new TlsFiles(trustedCaFile, Objects.requireNonNull(certFile, "certFile"),
          Objects.requireNonNull(keyFile, "keyFile"));
      return this;
    }

    /**
     * Sign in as {@code user} with {@code password} (etcd's {@code --user}): {@link #build()} asks
     * any node for a token, and every call then carries it; it is renewed before it expires and kept
     * in memory only. Against a cluster with authentication off no token is needed and none is sent.
     */
    public Builder credentials(String user, String password) {
      this.user = Objects.requireNonNull(user, "user");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** TLS as {@code tls} says; null: plaintext. */
    public Builder tls(TlsFiles tls) {
      this.tls = tls;
      return this;
    }

    /** For tests: the clock (as {@link System#nanoTime}) that paces health checks. */
    Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "nanoClock");
      return this;
    }

    /** For tests: how channels are built (e.g. slowly, or with an interceptor). */
    Builder channelFactory(ChannelFactory factory) {
      this.channelFactory = Objects.requireNonNull(factory, "channelFactory");
      return this;
    }

    /**
     * Builds the client and the channel of its first endpoint (local set-up, no connection yet, so
     * it never counts against a call's time); the other endpoints' channels are built when first
     * needed, and connections open on first use of each endpoint.
     *
     * With {@link #credentials} it signs in first (one call to the cluster).
     *
     * @throws IllegalArgumentException when a TLS file is missing or holds no usable PEM
     * @throws KvClientException with {@link #credentials}: UNAUTHENTICATED for a wrong user name or
     *     password, or UNAVAILABLE when no node answered
     */
    public KvClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("endpoints are required");
      }
      TokenSession session = user == null ? null : new TokenSession(user, password);
      // gRPC runs a channel's interceptors last to first: the caller's, reversed, come first in the
      // list so that they run in the order added, after the client's own.
      List<ClientInterceptor> interceptors = new ArrayList<>(this.interceptors);
      Collections.reverse(interceptors);
      if (session != null) {
        interceptors.add(session);
      }
      compression.interceptor().ifPresent(interceptors::add);
      EndpointChannels channels = new EndpointChannels(
          endpoints, channelFactory != null ? channelFactory
              : new NettyChannelFactory(endpoints.size(), tls == null ? null : tls.sslContext(), interceptors));
      AdaptiveTimeouts timeouts = new AdaptiveTimeouts(attemptTimeout, attemptTimeoutFloor, hedgeDelayFloor);
      ClusterView view = new ClusterView();
      EndpointRotation rotation = new EndpointRotation(endpoints);
      MemberDiscovery discovery = new MemberDiscovery(rotation, channels, view, connectTimeout, nanoClock);
      ReadBalancer balancer = new ReadBalancer(rotation, readBalancing, spreadLinearizableReads,
          serializableReadLagLimit, channels, view, connectTimeout, nanoClock);
      FailoverCaller caller =
          new FailoverCaller(channels, view, discovery, balancer, timeouts, requestTimeout, connectTimeout, hedgeReads,
              callbackExecutor);
      KvClient client = new KvClient(
          rotation,
          channels,
          caller,
          clientId == null ? new RequestIdSource() : new RequestIdSource(clientId),
          attemptTimeout,
          connectTimeout,
          requestTimeout);
      if (session != null) {
        try {
          session.signIn(client.authCalls, caller.timer());
          client.session = session;
        } catch (RuntimeException e) {
          client.close();
          throw e;
        }
      }
      return client;
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

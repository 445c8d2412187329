package dev.kvstore.client;

import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases (etcd's {@code Lease} client): keys attached to a lease ({@link KvClient#put(String,
 * com.google.protobuf.ByteString, boolean, long)}) are deleted when it is revoked or expires. The
 * cluster's leader decides expiry: a lease expires once it was not renewed for its TTL, counted
 * from the last renewal or from the moment the current leader took over, whichever is later (a
 * leader change never shortens a lease). Obtained from {@link KvClient#lease()}.
 *
 * <p>Calls block, fail over between endpoints within the request timeout, and throw
 * {@link KvClientException}: NOT_FOUND for a revoke of a lease that does not exist,
 * FAILED_PRECONDITION for a grant of an id that is taken, INVALID_ARGUMENT (not sent) for a TTL
 * outside 1 s..{@value dev.kvstore.api.LeaseLimits#MAX_TTL_SECONDS} s or an id that is not
 * positive. {@link #keepAlive} renews a lease in the background until closed.
 */
public final class LeaseClient {

  private final LeaseCalls calls;
  private final LeaseAsyncClient async;
  private final EndpointChannels channels;
  private final EndpointRotation rotation;
  private final Duration attemptTimeout;
  private final Set<LeaseKeepAlive> keepAlives = ConcurrentHashMap.newKeySet();

  LeaseClient(LeaseCalls calls, EndpointChannels channels, EndpointRotation rotation, Duration attemptTimeout) {
    this.calls = calls;
    this.async = new LeaseAsyncClient(calls);
    this.channels = channels;
    this.rotation = rotation;
    this.attemptTimeout = attemptTimeout;
  }

  /** The same calls without blocking. */
  public LeaseAsyncClient async() {
    return async;
  }

  /**
   * Grants a lease with an id the server picks. The TTL is whole seconds; a node raises one below
   * its minimum (a few election timeouts, 2 s by default) to it: {@code ttl} in the response is
   * the TTL granted.
   */
  public LeaseGrantResponse grant(Duration ttl) {
    long seconds = seconds(ttl);
    return calls.caller().call(() -> calls.grant(seconds, 0));
  }

  /** Grants a lease with the id {@code id} (positive; FAILED_PRECONDITION when it is taken). */
  public LeaseGrantResponse grant(Duration ttl, long id) {
    long seconds = seconds(ttl);
    return calls.caller().call(() -> calls.grant(seconds, id));
  }

  /** Revokes a lease and deletes its keys, all at one revision; NOT_FOUND when it does not exist. */
  public LeaseRevokeResponse revoke(long id) {
    return calls.caller().call(() -> calls.revoke(id));
  }

  /**
   * The seconds a lease has left as the leader counts them ({@code ttl}, -1 when it does not
   * exist), the TTL it was granted and, with {@code keys}, its keys.
   */
  public LeaseTimeToLiveResponse timeToLive(long id, boolean keys) {
    return calls.caller().call(() -> calls.timeToLive(id, keys));
  }

  /** Every lease's id. */
  public LeaseLeasesResponse list() {
    return calls.caller().call(calls::leases);
  }

  /**
   * Keeps lease {@code id} alive until the handle is closed: renews it over a keep-alive stream
   * every third of its TTL, moving to another endpoint when the stream breaks, and tells
   * {@code listener} of every renewal and, once, of the loss of the lease (it no longer exists, or
   * it could not be renewed for a whole TTL, so it may have expired). Returns at once; the first
   * renewal is sent right away. Callbacks run one at a time on the client's callback executor.
   */
  public LeaseKeepAlive keepAlive(long id, LeaseKeepAliveListener listener) {
    Objects.requireNonNull(listener, "listener");
    KvCalls.checkBeforeSending("LeaseKeepAlive", () -> dev.kvstore.api.LeaseLimits.checkId(id));
    LeaseKeepAlive keepAlive = new LeaseKeepAlive(id, listener, channels, rotation, attemptTimeout,
        calls.caller().callbacks(), calls.caller().timer(), keepAlives::remove);
    keepAlives.add(keepAlive);
    keepAlive.start();
    return keepAlive;
  }

  /** Stops every keep-alive (the client is closing); their listeners hear nothing more. */
  void close() {
    new ArrayList<>(keepAlives).forEach(LeaseKeepAlive::close);
  }

  /** A TTL as whole seconds, rounded up (a lease never lives shorter than asked). */
  static long seconds(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    long seconds = ttl.getSeconds();
    return ttl.getNano() > 0 ? seconds + 1 : seconds;
  }
}

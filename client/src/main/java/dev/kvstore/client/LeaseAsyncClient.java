package dev.kvstore.client;

import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseTimeToLiveResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The calls of a {@link LeaseClient} without blocking, with the failover, threads and failures of
 * {@link KvAsyncClient}. Obtained from {@link LeaseClient#async()}.
 */
public final class LeaseAsyncClient {

  private final LeaseCalls calls;

  LeaseAsyncClient(LeaseCalls calls) {
    this.calls = calls;
  }

  /** Grants a lease; see {@link LeaseClient#grant(Duration)}. */
  public CompletableFuture<LeaseGrantResponse> grant(Duration ttl) {
    long seconds = LeaseClient.seconds(ttl);
    return calls.caller().callAsync(() -> calls.grant(seconds, 0));
  }

  /** Grants a lease with the id {@code id}; see {@link LeaseClient#grant(Duration, long)}. */
  public CompletableFuture<LeaseGrantResponse> grant(Duration ttl, long id) {
    long seconds = LeaseClient.seconds(ttl);
    return calls.caller().callAsync(() -> calls.grant(seconds, id));
  }

  /** Revokes a lease and deletes its keys; see {@link LeaseClient#revoke(long)}. */
  public CompletableFuture<LeaseRevokeResponse> revoke(long id) {
    return calls.caller().callAsync(() -> calls.revoke(id));
  }

  /** The time a lease has left; see {@link LeaseClient#timeToLive(long, boolean)}. */
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long id, boolean keys) {
    return calls.caller().callAsync(() -> calls.timeToLive(id, keys));
  }

  /** Every lease's id; see {@link LeaseClient#list()}. */
  public CompletableFuture<LeaseLeasesResponse> list() {
    return calls.caller().callAsync(calls::leases);
  }
}

package dev.kvstore.client;

import dev.kvstore.api.LeaseGrantRequest;
import dev.kvstore.api.LeaseGrantResponse;
import dev.kvstore.api.LeaseGrpc;
import dev.kvstore.api.LeaseLeasesRequest;
import dev.kvstore.api.LeaseLeasesResponse;
import dev.kvstore.api.LeaseLimits;
import dev.kvstore.api.LeaseRevokeRequest;
import dev.kvstore.api.LeaseRevokeResponse;
import dev.kvstore.api.LeaseTimeToLiveRequest;
import dev.kvstore.api.LeaseTimeToLiveResponse;

/**
 * The unary RPCs of the Lease service as started {@link FailoverCall}s, as {@link KvCalls} does for
 * the data API: grants and revokes are writes with a request id (a retry on another node gets the
 * first answer, never a second lease or a NOT_FOUND for its own revoke); time-to-live and the list
 * are reads.
 */
final class LeaseCalls {

  private final EndpointRotation rotation;
  private final FailoverCaller caller;
  private final RequestIdSource requestIds;

  LeaseCalls(EndpointRotation rotation, FailoverCaller caller, RequestIdSource requestIds) {
    this.rotation = rotation;
    this.caller = caller;
    this.requestIds = requestIds;
  }

  FailoverCaller caller() {
    return caller;
  }

  /** @throws KvClientException INVALID_ARGUMENT for a TTL or id out of range; IllegalStateException when closed */
  FailoverCall<LeaseGrantRequest, LeaseGrantResponse> grant(long ttlSeconds, long id) {
    LeaseGrantRequest request = LeaseGrantRequest.newBuilder()
        .setTtl(ttlSeconds)
        .setId(id)
        .setRequestId(requestIds.next())
        .build();
    KvCalls.checkBeforeSending("LeaseGrant", () -> LeaseLimits.check(request));
    return caller.start(rotation, LeaseGrpc.getLeaseGrantMethod(), request, CallKind.WRITE,
        LeaseGrantResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for an id that is not positive; IllegalStateException when closed */
  FailoverCall<LeaseRevokeRequest, LeaseRevokeResponse> revoke(long id) {
    LeaseRevokeRequest request = LeaseRevokeRequest.newBuilder().setId(id).setRequestId(requestIds.next()).build();
    KvCalls.checkBeforeSending("LeaseRevoke", () -> LeaseLimits.check(request));
    return caller.start(rotation, LeaseGrpc.getLeaseRevokeMethod(), request, CallKind.WRITE,
        LeaseRevokeResponse::getHeader);
  }

  /** @throws KvClientException INVALID_ARGUMENT for an id that is not positive; IllegalStateException when closed */
  FailoverCall<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> timeToLive(long id, boolean keys) {
    LeaseTimeToLiveRequest request = LeaseTimeToLiveRequest.newBuilder().setId(id).setKeys(keys).build();
    KvCalls.checkBeforeSending("LeaseTimeToLive", () -> LeaseLimits.check(request));
    return caller.start(rotation, LeaseGrpc.getLeaseTimeToLiveMethod(), request, CallKind.READ,
        LeaseTimeToLiveResponse::getHeader);
  }

  /** @throws IllegalStateException when the client is closed */
  FailoverCall<LeaseLeasesRequest, LeaseLeasesResponse> leases() {
    return caller.start(rotation, LeaseGrpc.getLeaseLeasesMethod(), LeaseLeasesRequest.getDefaultInstance(),
        CallKind.READ, LeaseLeasesResponse::getHeader);
  }
}

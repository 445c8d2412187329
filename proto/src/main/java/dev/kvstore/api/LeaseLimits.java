package dev.kvstore.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The documented limits on lease requests and the checks that enforce them, shared by the node
 * (INVALID_ARGUMENT) and the Java client (which refuses to send such a request, with the same
 * message), as {@link RequestLimits} does for the data requests.
 *
 * <p>Lease ids are positive 63-bit numbers (etcd's are too, and 0 means "no lease" in a put);
 * the CLI shows them in hexadecimal, as etcdctl does.
 */
public final class LeaseLimits {

  /**
   * Longest TTL a lease can be granted, in seconds: 365 days. etcd allows 9e9 s (285 years); a
   * lease is a liveness signal, and one that outlives its owner by a year is already a leak.
   */
  public static final long MAX_TTL_SECONDS = 365L * 24 * 3600;

  private LeaseLimits() {}

  /**
   * A grant: TTL 1..{@link #MAX_TTL_SECONDS} seconds (a node raises a TTL below its minimum to
   * it, as etcd does, and says so in the response), id 0 (the node picks one) or positive.
   */
  public static void check(LeaseGrantRequest r) {
    if (r.getTtl() < 1 || r.getTtl() > MAX_TTL_SECONDS) {
      throw invalid("ttl is " + r.getTtl() + " s; use 1.." + MAX_TTL_SECONDS + " seconds (365 days)");
    }
    if (r.getId() < 0) {
      throw invalid("lease id is " + r.getId() + "; use 0 to have the server pick one, or a positive id");
    }
    if (r.hasRequestId()) {
      RequestLimits.checkRequestId(r.getRequestId());
    }
  }

  public static void check(LeaseRevokeRequest r) {
    checkId(r.getId());
    if (r.hasRequestId()) {
      RequestLimits.checkRequestId(r.getRequestId());
    }
  }

  public static void check(LeaseTimeToLiveRequest r) {
    checkId(r.getId());
  }

  public static void check(LeaseKeepAliveRequest r) {
    checkId(r.getId());
  }

  /** A lease id a request names: positive (0 is "no lease"). */
  public static void checkId(long id) {
    if (id <= 0) {
      throw invalid("lease id is " + id + "; lease ids are positive (1.." + Long.MAX_VALUE + ")");
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}

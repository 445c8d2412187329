package dev.kvstore.client;

/**
 * Where a read (Get, GetAll, Range, lease and auth reads) starts; see
 * {@link KvClient.Builder#readBalancing}. Writes go to the leader when the client knows it, and
 * failover (which endpoint a call moves on to after a failure) is the same, whichever is chosen.
 */
public enum ReadBalancing {
  /**
   * Spread reads over the members (the default): each serializable read starts on the usable
   * endpoint with the fewest of this client's calls in flight, ties taken in turn (so a client with
   * one call at a time goes round robin), as Envoy's and Finagle's least-request balancers do.
   * Usable: its last call did not fail for lack of the node (unreachable, too slow, no leader) and
   * its connection is not failing; for a serializable read, also not lagging (see
   * {@link KvClient.Builder#serializableReadLagLimit}). A member left out is checked again with a
   * health check at most once a second while reads would want it back. When no endpoint is usable
   * a read starts where {@link #STICKY} would.
   *
   * <p>A linearizable read starts on the leader when the client knows where it answers and it is
   * usable, unless {@link KvClient.Builder#spreadLinearizableReads} says otherwise: wherever it
   * goes, the leader confirms its leadership for it (a follower asks it for a read index), so on a
   * follower it costs the extra round trip and the follower's own share of rounds, and spreading
   * them took 1.8 to 3.8 times the servers' CPU per read of sending them to the leader
   * (docs/benchmarks.md, 2026-12-02). Reads the leader cannot take (unknown, failed, still
   * connecting) are spread.
   */
  LEAST_OUTSTANDING,
  /**
   * Every read starts on the endpoint that last answered a call, and moves on only when that one
   * fails: all reads on one node while it works (the client's behaviour before balancing).
   */
  STICKY
}

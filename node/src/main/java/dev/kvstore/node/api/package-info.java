/**
 * The gRPC adapters of a node: each service ({@code KvStoreService}, {@code WatchService},
 * {@code LeaseService}, {@code MaintenanceService}) checks a request against the documented limits,
 * calls the request layer ({@link dev.kvstore.node.request}) with the time the caller allows, maps
 * failures to statuses and fills the response header; watch streams stay here because they are
 * streams. Also here: what sits between the transport and every service ({@code ServiceGuard},
 * {@code GuardedCall}, {@code GuardedListener}, {@code TransportRejections}, {@code
 * MemberHintTrailers}, {@code ResponseCompression}) and the watch-side duties ({@code LeaderlessWatchGuard}, {@code WatchLimits}).
 *
 * <p>This package knows gRPC (observers, calls, interceptors); it does not hold the write or read
 * protocols, and it reaches Raft only through the request layer and this node's
 * {@link dev.kvstore.node.raft.LocalMember}, except {@code MaintenanceService}, which reads Ratis's
 * group info and asks for snapshots as Raft administration does.
 */
package dev.kvstore.node.api;

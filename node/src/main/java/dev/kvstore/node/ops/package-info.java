/**
 * What an operator sees of a node besides its API: the gRPC health status ({@code NodeHealth}),
 * rate-limited log lines ({@code RateLimitedLog}), per-caller rate limits ({@code RateLimiting}), the
 * storage quota ({@code StorageQuota}: measures the data directory; the state machine of a leader
 * asks it before a write reaches the log), and the metrics ({@link
 * dev.kvstore.node.ops.metrics}). Nothing here serves requests or takes part in Raft; it only reads
 * the member's state ({@link dev.kvstore.node.raft.LocalMember}).
 */
package dev.kvstore.node.ops;

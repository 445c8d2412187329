/**
 * One Raft group's parts, kept together so that a node can later host several groups (sharding):
 * its settings ({@code RaftSettings}, {@code RaftTuning}, the peers), this node as a member
 * ({@code LocalMember}, {@code Leadership}, {@code VotingMembers}), submission of commands
 * ({@code CommandSubmitter}, {@code CommitNudge}, {@code CommitBroadcast} and the appender tracking
 * behind it), linearizable reads ({@code ReadBarrier}, {@code ReadIndexRound}), questions between
 * members ({@code PeerQueries}, {@code PeerQueryClient}, {@code PeerConnections}, {@code
 * PeerAdminClients}), and the duties a member runs beside the log (on the leader: lease expiry,
 * automatic compaction, renewing stalled follower links; on any member: snapshots on demand), and
 * the offline building of a new member's storage from a backup ({@code BackupRestore},
 * {@code RestoredMember}).
 *
 * <p>This package knows Ratis and the state machine's commands, not the client API's services: it
 * answers with futures of the state machine's results and of read indexes, and the request layer
 * ({@link dev.kvstore.node.request}) turns those into responses and statuses.
 */
package dev.kvstore.node.raft;

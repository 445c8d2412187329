package dev.kvstore.client;

import dev.kvstore.api.Member;
import dev.kvstore.api.MemberAddRequest;
import dev.kvstore.api.MemberListResponse;
import java.util.List;
import java.util.Objects;

/**
 * Cluster membership (etcd's {@code Cluster} client): list the members, add one as a learner,
 * promote a learner to voter, remove one, move the leadership. Obtained from
 * {@link KvClient#cluster()}. Changes need the role "root" once authentication is on.
 *
 * <p>Calls block and throw {@link KvClientException}: ALREADY_EXISTS for an id or address in use,
 * NOT_FOUND for an unknown member, FAILED_PRECONDITION for a change the cluster refuses now (another
 * change under way, a learner not caught up, a removal that would lose quorum), INVALID_ARGUMENT
 * for a malformed id or address. Adding a member waits until the new node (started with
 * {@code --initial-cluster-state existing}) has caught up: give the client a request timeout to
 * match. A change that fails with UNAVAILABLE (no leader, the leader changed) is tried on the next
 * endpoint, which checks it again: a retried add that had in fact succeeded gets ALREADY_EXISTS.
 */
public final class ClusterClient {

  private final ClusterCalls calls;

  ClusterClient(ClusterCalls calls) {
    this.calls = calls;
  }

  /** The live configuration as the first node that answers sees it. */
  public MemberListResponse list() {
    return calls.caller().call(calls::memberList);
  }

  /**
   * Adds a learner.
   *
   * @param raftAddress   HOST:PORT of the new node's Raft port
   * @param clientAddress HOST:PORT of its client port, or empty
   * @return the members after the change
   */
  public List<Member> add(String id, String raftAddress, String clientAddress) {
    MemberAddRequest request = MemberAddRequest.newBuilder()
        .setId(Objects.requireNonNull(id, "id"))
        .setRaftAddress(Objects.requireNonNull(raftAddress, "raftAddress"))
        .setClientAddress(clientAddress == null ? "" : clientAddress)
        .build();
    return calls.caller().call(() -> calls.memberAdd(request)).getMembersList();
  }

  /** Makes learner {@code id} a voter; returns the members after the change. */
  public List<Member> promote(String id) {
    return calls.caller().call(() -> calls.memberPromote(id)).getMembersList();
  }

  /** Removes member {@code id}; returns the members after the change. */
  public List<Member> remove(String id) {
    return calls.caller().call(() -> calls.memberRemove(id)).getMembersList();
  }

  /** Hands leadership to voter {@code id}; returns once it leads. */
  public void moveLeader(String id) {
    calls.caller().call(() -> calls.moveLeader(id));
  }
}

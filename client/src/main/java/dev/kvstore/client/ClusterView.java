package dev.kvstore.client;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this client has learned about the cluster from the answers it got: which member answers at
 * which endpoint, and who leads, as etcd's clients learn it from any member's response header.
 *
 * <p>The leader hint follows Raft terms: a hint from a higher term replaces one from a lower term
 * (a higher term with no leader clears it: an election is under way); a hint from a lower term is
 * stale and ignored. A leader whose endpoint just failed is distrusted, however many followers still
 * name it in the same term, until its own endpoint serves a call again or a higher term is heard
 * of. A member id is mapped to an endpoint only once that endpoint has answered as that member.
 * Thread-safe.
 */
final class ClusterView {

  private static final Logger log = LoggerFactory.getLogger(ClusterView.class);

  private final Map<String, Endpoint> endpointByMember = new HashMap<>();
  private long leaderTerm = -1;
  private String leaderId = "";
  private boolean leaderTrusted;

  /** Takes in what an answer from {@code from} said, success or error. */
  synchronized void learn(Endpoint from, MemberHint hint) {
    // An address answers as one member at a time (a replaced node may reuse an address).
    endpointByMember.entrySet().removeIf(e -> e.getValue().equals(from) && !e.getKey().equals(hint.memberId()));
    Endpoint previous = endpointByMember.put(hint.memberId(), from);
    if (!from.equals(previous)) {
      log.debug("member {} answers at {}", hint.memberId(), from);
    }
    if (hint.term() > leaderTerm) {
      if (!hint.leaderId().equals(leaderId)) {
        log.debug("leader is now {} in term {} (was {} in term {}), as {} says",
            hint.leaderId().isEmpty() ? "unknown" : hint.leaderId(), hint.term(),
            leaderId.isEmpty() ? "unknown" : leaderId, leaderTerm, hint.memberId());
      }
      leaderTerm = hint.term();
      leaderId = hint.leaderId();
      leaderTrusted = true;
    } else if (hint.term() == leaderTerm && leaderId.isEmpty() && !hint.leaderId().isEmpty()) {
      // Raft elects at most one leader per term: a node that has learned it fills in the blank.
      leaderId = hint.leaderId();
      leaderTrusted = true;
    }
  }

  /** Records that {@code endpoint} served a call: it is alive, and a leader there is confirmed. */
  synchronized void served(Endpoint endpoint) {
    if (!leaderTrusted && endpoint.equals(endpointByMember.get(leaderId))) {
      leaderTrusted = true;
    }
  }

  /** Records that {@code endpoint} could not serve a call (no answer in time, unavailable, unreachable). */
  synchronized void failed(Endpoint endpoint) {
    if (leaderTrusted && !leaderId.isEmpty() && endpoint.equals(endpointByMember.get(leaderId))) {
      log.debug("distrusting leader {} at {} after a failed call", leaderId, endpoint);
      leaderTrusted = false;
    }
  }

  /** True when a leader is known but not where it answers: no endpoint has answered as it yet. */
  synchronized boolean leaderEndpointUnknown() {
    return !leaderId.isEmpty() && !endpointByMember.containsKey(leaderId);
  }

  /** True once some endpoint has answered as member {@code memberId}. */
  synchronized boolean knowsMember(String memberId) {
    return endpointByMember.containsKey(memberId);
  }

  /** True once {@code endpoint} has answered as some member. */
  synchronized boolean knows(Endpoint endpoint) {
    return endpointByMember.containsValue(endpoint);
  }

  /** The leader's endpoint, when a leader is known, trusted, and has answered this client before. */
  synchronized Optional<Endpoint> leaderEndpoint() {
    if (!leaderTrusted || leaderId.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(endpointByMember.get(leaderId));
  }
}

package dev.kvstore.client;

import dev.kvstore.api.MemberHints;
import dev.kvstore.api.ResponseHeader;
import io.grpc.Metadata;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one answer says about the cluster: which node gave it, the leader that node knew (empty
 * when none) and that node's Raft term. Successful responses carry it in their
 * {@link ResponseHeader}, errors in the {@link MemberHints} trailers.
 *
 * @param memberId the answering node's id, never empty
 * @param leaderId the leader the answering node knew, or empty
 * @param term the answering node's Raft term
 */
record MemberHint(String memberId, String leaderId, long term) {

  /**
   * The hint in a response's header, when it names its node (a response without a header has the
   * default one, which names none).
   */
  static Optional<MemberHint> ofHeader(ResponseHeader header) {
    return header.getMemberId().isEmpty()
        ? Optional.empty()
        : Optional.of(new MemberHint(header.getMemberId(), header.getLeaderId(), header.getRaftTerm()));
  }

  /** The hint in an error's trailers, when they name the answering node and its term. */
  static Optional<MemberHint> ofTrailers(Metadata trailers) {
    Optional<String> member = MemberHints.memberId(trailers).filter(id -> !id.isEmpty());
    OptionalLong term = MemberHints.raftTerm(trailers);
    if (member.isEmpty() || term.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new MemberHint(member.get(), MemberHints.leaderId(trailers).orElse(""), term.getAsLong()));
  }
}

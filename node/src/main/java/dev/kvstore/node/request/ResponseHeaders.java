package dev.kvstore.node.request;

import dev.kvstore.api.ResponseHeader;
import dev.kvstore.node.raft.LocalMember;
import dev.kvstore.statemachine.KvReadView;

/** Builds the header every response carries: revision, term, answering node and leader. */
public final class ResponseHeaders {

  private final LocalMember member;
  private final KvReadView view;

  /** Headers naming {@code member}, at revisions of {@code view}. */
  public ResponseHeaders(LocalMember member, KvReadView view) {
    this.member = member;
    this.view = view;
  }

  /** The header at store revision {@code revision}; without term and leader while the Raft server stops. */
  public ResponseHeader at(long revision) {
    ResponseHeader.Builder header = ResponseHeader.newBuilder().setRevision(revision).setMemberId(member.id());
    try {
      header.setRaftTerm(member.term()).setLeaderId(member.leaderId().orElse(""));
    } catch (RuntimeException closing) {
      // The Raft server is stopping: answer without term and leader rather than not at all.
    }
    return header.build();
  }

  /** The header at this node's current store revision. */
  public ResponseHeader current() {
    return at(view.revision());
  }
}

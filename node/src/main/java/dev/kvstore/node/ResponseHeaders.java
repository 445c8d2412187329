package dev.kvstore.node;

import dev.kvstore.api.ResponseHeader;
import dev.kvstore.statemachine.KvReadView;

/** Builds the header every response carries: revision, term, answering node and leader. */
final class ResponseHeaders {

  private final LocalMember member;
  private final KvReadView view;

  ResponseHeaders(LocalMember member, KvReadView view) {
    this.member = member;
    this.view = view;
  }

  ResponseHeader at(long revision) {
    return ResponseHeader.newBuilder()
        .setRevision(revision)
        .setRaftTerm(member.term())
        .setMemberId(member.id())
        .setLeaderId(member.leaderId().orElse(""))
        .build();
  }

  ResponseHeader current() {
    return at(view.revision());
  }
}

package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.CommandResult;
import org.junit.jupiter.api.Test;

class AppliedRequestsTest {

  private static final ClientRequestId ID = withId(put("k", "v"), "client-1", 1).getRequestId();
  private static final ByteString DIGEST = CommandDigest.of(put("k", "v"));

  @Test
  void anEntryMatchesOnlyTheCommandItWasAppliedFor() {
    AppliedRequests applied = new AppliedRequests();
    applied.remember(ID, DIGEST, CommandResult.newBuilder().setRevision(1).build());

    AppliedRequests.Entry entry = applied.find(ID).orElseThrow();
    assertThat(entry.isSameCommand(DIGEST)).isTrue();
    assertThat(entry.isSameCommand(CommandDigest.of(put("k", "other")))).isFalse();
    assertThat(new AppliedRequests.Entry(entry.result(), ByteString.EMPTY).isSameCommand(DIGEST)).isTrue();
  }

  @Test
  void theDigestIsCountedInTheByteBound() {
    AppliedRequests withDigest = new AppliedRequests();
    AppliedRequests without = new AppliedRequests();
    CommandResult result = CommandResult.newBuilder().setRevision(1).build();

    withDigest.remember(ID, DIGEST, result);
    without.remember(ID, ByteString.EMPTY, result);

    assertThat(withDigest.bytes() - without.bytes()).isEqualTo(CommandDigest.BYTES);
  }

  @Test
  void theEntryBoundIsReachedBeforeTheByteBound() {
    // The largest entry a write can leave: replicas that count bytes differently (older versions
    // count no digest) then still evict the same entries.
    CommandResult largest = CommandResult.newBuilder().setRevision(Long.MAX_VALUE).setDeleted(1).build();
    long entryBytes = AppliedRequests.sizeOf(new AppliedRequests.Entry(largest, DIGEST));

    assertThat(entryBytes).isLessThanOrEqualTo(140);
    assertThat(entryBytes * AppliedRequests.MAX_ENTRIES).isLessThan(AppliedRequests.MAX_BYTES);
  }
}

package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.CommandResult;
import java.util.List;
import org.assertj.core.groups.Tuple;
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

  private static ClientRequestId id(long sequence) {
    return withId(put("k", "v"), "client-1", sequence).getRequestId();
  }

  private static CommandResult revision(long revision) {
    return CommandResult.newBuilder().setRevision(revision).build();
  }

  @Test
  void theOldestAreEvictedFirstBeyondTheEntryBound() {
    AppliedRequests applied = new AppliedRequests();
    for (long i = 1; i <= AppliedRequests.MAX_ENTRIES + 2; i++) {
      applied.remember(id(i), DIGEST, revision(i));
    }

    assertThat(applied.size()).isEqualTo(AppliedRequests.MAX_ENTRIES);
    assertThat(applied.find(id(1))).isEmpty();
    assertThat(applied.find(id(2))).isEmpty();
    assertThat(applied.find(id(3))).isPresent();
    assertThat(applied.records().get(0).getRequestId().getSequence()).isEqualTo(3);
  }

  @Test
  void anIdRememberedAgainKeepsItsPlaceWithItsNewResult() {
    AppliedRequests applied = new AppliedRequests();
    applied.remember(id(1), DIGEST, revision(1));
    applied.remember(id(2), DIGEST, revision(2));
    applied.remember(id(1), DIGEST, revision(3));

    assertThat(applied.size()).isEqualTo(2);
    assertThat(applied.records()).extracting(r -> r.getRequestId().getSequence(), r -> r.getResult().getRevision())
        .containsExactly(Tuple.tuple(1L, 3L), Tuple.tuple(2L, 2L));
    assertThat(applied.find(id(1)).orElseThrow().result().getRevision()).isEqualTo(3);
  }

  @Test
  void aCopyKeepsTheResultsAsTheyWereWhenItWasTaken() {
    AppliedRequests applied = new AppliedRequests();
    applied.remember(id(1), DIGEST, revision(1));
    AppliedRequests.Copy copy = applied.copy();

    applied.remember(id(2), DIGEST, revision(2));
    applied.reset(List.of());

    assertThat(copy.records()).extracting(r -> r.getRequestId().getSequence()).containsExactly(1L);
    assertThat(applied.size()).isZero();
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

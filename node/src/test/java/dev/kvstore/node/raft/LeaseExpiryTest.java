package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.statemachine.Leases;
import dev.kvstore.statemachine.proto.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leader's lease deadlines, with a fake clock and a leadership the test sets. */
class LeaseExpiryTest {

  private static final long SECOND = 1_000_000_000L;

  private long now = 1_000 * SECOND;
  private final FakeLeadership member = new FakeLeadership();
  private final Map<Long, Long> table = new TreeMap<>();
  private final List<Proposal> proposals = new ArrayList<>();
  private final LeaseExpiry expiry = new LeaseExpiry(member,
      id -> table.containsKey(id) ? OptionalLong.of(table.get(id)) : OptionalLong.empty(),
      () -> table.entrySet().stream().map(e -> new Leases.Lease(e.getKey(), e.getValue())).toList(),
      (ids, term) -> {
        Proposal p = new Proposal(List.copyOf(ids), term, new CompletableFuture<>());
        proposals.add(p);
        return p.result();
      },
      () -> now);

  private record Proposal(List<Long> ids, long term, CompletableFuture<CommandResult> result) {}

  private void grant(long id, long ttl) {
    table.put(id, ttl);
    expiry.granted(id, ttl);
  }

  /** Applies a proposal as the state machine would: the leases are removed, then the proposer hears. */
  private void apply(Proposal p) {
    p.ids().forEach(id -> {
      table.remove(id);
      expiry.removed(id);
    });
    p.result().complete(CommandResult.newBuilder().addAllExpiredLeases(p.ids()).build());
  }

  /** This node leads from now on, and its timer has run once. */
  private void lead(long term) {
    member.lead(term);
    expiry.tick();
  }

  private void advance(double seconds) {
    now += (long) (seconds * SECOND);
  }

  @Test
  void aLeaseExpiresOnceItsTtlPassedWithoutRenewalAndTheDecisionNamesTheTerm() {
    lead(3);
    grant(1, 5);
    advance(4.9);
    expiry.tick();
    assertThat(proposals).isEmpty();

    advance(0.2);
    expiry.tick();

    assertThat(proposals).singleElement().satisfies(p -> {
      assertThat(p.ids()).containsExactly(1L);
      assertThat(p.term()).isEqualTo(3);
    });
  }

  @Test
  void aRenewalPushesTheDeadlineToAFullTtlFromNow() {
    lead(3);
    grant(1, 5);
    advance(4);
    assertThat(expiry.renew(1)).hasValue(5);
    advance(4);
    expiry.tick();
    assertThat(proposals).isEmpty();
    assertThat(expiry.remaining(1)).hasValue(1);
    advance(1.1);
    expiry.tick();
    assertThat(proposals).hasSize(1);
  }

  @Test
  void aNewLeaderGivesEveryLeaseAFreshTtlSoALeaderChangeNeverExpiresOneEarly() {
    table.put(1L, 5L);
    table.put(2L, 10L);
    member.follow();
    advance(100);
    expiry.tick();

    lead(4);
    advance(4.9);
    expiry.tick();
    assertThat(proposals).as("a TTL counts from the election, whatever the old leader's deadlines").isEmpty();
    advance(0.2);
    expiry.tick();
    assertThat(proposals).singleElement().satisfies(p -> assertThat(p.ids()).containsExactly(1L));
  }

  @Test
  void losingLeadershipDropsTheDeadlinesAndRegainingItStartsThemAfresh() {
    lead(3);
    grant(1, 5);
    advance(4);
    member.follow();
    expiry.tick();
    assertThat(expiry.tracked()).isZero();
    assertThatThrownBy(() -> expiry.renew(1)).isInstanceOf(LeaseExpiry.NotLeaderException.class)
        .hasMessageContaining("not the leader");

    lead(5);
    advance(4);
    expiry.tick();
    assertThat(proposals).isEmpty();
    advance(1.1);
    expiry.tick();
    assertThat(proposals).singleElement().satisfies(p -> assertThat(p.term()).isEqualTo(5));
  }

  @Test
  void aLeaseFirstSeenWhenAskedCountsItsTtlFromThen() {
    lead(3);
    table.put(7L, 10L);
    advance(30);
    assertThat(expiry.remaining(7)).hasValue(10);
    assertThat(expiry.remaining(8)).isEmpty();
  }

  @Test
  void aLeaseBeingExpiredIsNotRenewedAndOneProposalIsInFlightAtATime() {
    lead(3);
    grant(1, 5);
    advance(6);
    expiry.tick();
    assertThat(expiry.renew(1)).isEmpty();
    grant(2, 5);
    advance(6);
    expiry.tick();
    assertThat(proposals).as("the second waits for the first").hasSize(1);

    apply(proposals.get(0));
    expiry.tick();
    assertThat(proposals).hasSize(2);
    assertThat(proposals.get(1).ids()).containsExactly(2L);
  }

  @Test
  void aFailedExpiryIsProposedAgain() {
    lead(3);
    grant(1, 5);
    advance(6);
    expiry.tick();
    proposals.get(0).result().completeExceptionally(new IllegalStateException("no quorum"));

    expiry.tick();

    assertThat(proposals).hasSize(2);
    assertThat(proposals.get(1).ids()).containsExactly(1L);
  }

  @Test
  void aBurstOfExpiriesIsProposedInBoundedBatches() {
    lead(3);
    for (long id = 1; id <= LeaseExpiry.MAX_PER_PROPOSAL + 10; id++) {
      grant(id, 5);
    }
    advance(6);
    expiry.tick();
    assertThat(proposals).singleElement().satisfies(p -> assertThat(p.ids()).hasSize(LeaseExpiry.MAX_PER_PROPOSAL));
    apply(proposals.get(0));
    expiry.tick();
    assertThat(proposals.get(1).ids()).hasSize(10);
  }

  @Test
  void aRevokedLeaseIsForgotten() {
    lead(3);
    grant(1, 5);
    table.remove(1L);
    expiry.removed(1);
    advance(6);
    expiry.tick();
    assertThat(proposals).isEmpty();
    assertThat(expiry.tracked()).isZero();
  }
}

package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.MvccStore;
import dev.kvstore.statemachine.WriteTxn;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The leader's automatic compaction rules, with a fake clock and a log that applies at once. */
class AutoCompactorTest {

  private final MvccStore store = new MvccStore(MvccStore.RETAIN_UNTIL_COMPACTED);
  private final AtomicBoolean leading = new AtomicBoolean(true);
  private final AtomicLong nanos = new AtomicLong();
  private final List<Long> proposed = new ArrayList<>();
  /** When set, proposals stay in flight until completed by the test. */
  private CompletableFuture<CommandResult> pending;
  private boolean holdProposals;

  private AutoCompactor compactor(AutoCompaction rule) {
    return new AutoCompactor("n1", rule, store, leading::get, this::propose, nanos::get);
  }

  private CompletableFuture<CommandResult> propose(Command command) {
    long revision = command.getCompact().getRevision();
    proposed.add(revision);
    if (holdProposals) {
      pending = new CompletableFuture<>();
      return pending;
    }
    store.compact(revision);
    return CompletableFuture.completedFuture(CommandResult.newBuilder().setRevision(store.currentRevision()).build());
  }

  private void write(int revisions) {
    for (int i = 0; i < revisions; i++) {
      WriteTxn txn = store.write();
      txn.put("k", ByteString.copyFromUtf8("v"));
      txn.end();
    }
  }

  @Test
  void revisionModeKeepsTheLastRevisionsAndCompactsInStepsOfAnEighth() {
    AutoCompactor compactor = compactor(AutoCompaction.revisions(80));
    write(80);
    compactor.check();
    assertThat(proposed).as("nothing beyond what is kept").isEmpty();
    write(9);
    compactor.check();
    assertThat(proposed).as("one revision beyond: less than a step").isEmpty();
    write(1);
    compactor.check();
    assertThat(proposed).containsExactly(10L);
    assertThat(store.compactedRevision()).isEqualTo(10);
    compactor.check();
    assertThat(proposed).as("nothing new to compact").hasSize(1);
  }

  @Test
  void onlyTheLeaderProposesAndOneProposalAtATime() {
    AutoCompactor compactor = compactor(AutoCompaction.revisions(8));
    write(20);
    leading.set(false);
    compactor.check();
    assertThat(proposed).isEmpty();

    leading.set(true);
    holdProposals = true;
    compactor.check();
    compactor.check();
    assertThat(proposed).containsExactly(12L);
    pending.completeExceptionally(new IllegalStateException("leadership lost"));
    compactor.check();
    assertThat(proposed).as("tried again after the failure").containsExactly(12L, 12L);
  }

  @Test
  void periodicModeCompactsWhatBecameCurrentOnePeriodAgoOnTheLeadersClock() {
    AutoCompactor compactor = compactor(AutoCompaction.periodic(Duration.ofMinutes(10)));
    for (int minute = 0; minute <= 10; minute++) {
      write(10);
      compactor.check();
      if (minute < 10) {
        assertThat(proposed).as("minute %d: nothing is a period old yet", minute).isEmpty();
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(1));
      }
    }
    // At minute 10 the revision current at minute 0 (10) is a period old.
    assertThat(proposed).containsExactly(10L);

    // A follower forgets its samples: when it leads, a full period passes before it compacts.
    leading.set(false);
    compactor.check();
    leading.set(true);
    nanos.addAndGet(TimeUnit.MINUTES.toNanos(5));
    write(50);
    compactor.check();
    assertThat(proposed).containsExactly(10L);
  }

  @Test
  void aRuleThatIsOffNeverStarts() {
    assertThat(AutoCompaction.revisions(0).on()).isFalse();
    assertThat(AutoCompaction.periodic(Duration.ZERO).on()).isFalse();
    assertThat(AutoCompaction.DEFAULTS.on()).isTrue();
  }
}

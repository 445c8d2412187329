package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** After an apply on the leader, followers that were sent nothing since get a heartbeat, once. */
class CommitBroadcastTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final List<Runnable> timer = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final List<FakeFollower> followers = new ArrayList<>();
  /** Entries beyond those the tests apply, unless a test says otherwise: appends are coming. */
  private final AtomicLong nextLogIndex = new AtomicLong(100);
  private final CommitBroadcast broadcast = new CommitBroadcast(() -> List.copyOf(followers), nextLogIndex::get,
      (task, delayNanos) -> {
        timer.add(task);
        delays.add(delayNanos);
      }, now::get);

  private static final class FakeFollower implements CommitBroadcast.Follower {
    boolean knowsCommit;
    boolean holdsCommitted = true;
    long lastAnswerAt;
    long lastSendAt;
    int heartbeats;
    final AtomicLong clock;

    FakeFollower(AtomicLong clock, long lastSendAt) {
      this.clock = clock;
      this.lastSendAt = lastSendAt;
      this.lastAnswerAt = lastSendAt;
    }

    @Override
    public boolean holdsCommitted() {
      return holdsCommitted;
    }

    @Override
    public long nanosSinceLastAnswer() {
      return clock.get() - lastAnswerAt;
    }

    @Override
    public boolean knowsCommit() {
      return knowsCommit;
    }

    @Override
    public long nanosSinceLastSend() {
      return clock.get() - lastSendAt;
    }

    @Override
    public void heartbeat() {
      heartbeats++;
    }
  }

  private FakeFollower follower(long lastSendAt) {
    FakeFollower f = new FakeFollower(now, lastSendAt);
    followers.add(f);
    return f;
  }

  private void fire() {
    List<Runnable> due = List.copyOf(timer);
    timer.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void aFollowerSentNothingSinceTheApplyGetsAHeartbeatAfterTheDelay() {
    FakeFollower quiet = follower(now.get() - 5_000_000);
    broadcast.applied(10);
    assertThat(delays).containsExactly(CommitBroadcast.DELAY_NANOS);
    assertThat(quiet.heartbeats).as("nothing before the check").isZero();

    now.addAndGet(CommitBroadcast.DELAY_NANOS);
    fire();
    assertThat(quiet.heartbeats).isEqualTo(1);
  }

  @Test
  void aFollowerSentAnAppendSinceTheApplyOrThatKnowsTheCommitGetsNone() {
    FakeFollower appendedSince = follower(0);
    FakeFollower knows = follower(0);
    knows.knowsCommit = true;
    broadcast.applied(10);
    now.addAndGet(1_000_000);
    appendedSince.lastSendAt = now.get();
    now.addAndGet(1_000_000);
    fire();
    assertThat(appendedSince.heartbeats).as("the append carried the commit index").isZero();
    assertThat(knows.heartbeats).isZero();
  }

  @Test
  void appliesWhileACheckIsArmedShareItAndALaterApplyArmsTheNext() {
    FakeFollower quiet = follower(0);
    broadcast.applied(10);
    broadcast.applied(11);
    broadcast.applied(12);
    assertThat(timer).hasSize(1);

    now.addAndGet(CommitBroadcast.DELAY_NANOS);
    fire();
    assertThat(quiet.heartbeats).isEqualTo(1);

    broadcast.applied(13);
    assertThat(timer).as("the check disarmed itself").hasSize(1);
  }

  @Test
  void aFollowerStillWritingTheEntriesIsCheckedAgainUntilItHoldsThem() {
    FakeFollower slow = follower(now.get());
    slow.holdsCommitted = false;
    broadcast.applied(10);
    now.addAndGet(CommitBroadcast.DELAY_NANOS);
    fire();
    assertThat(slow.heartbeats).as("it would ignore a commit index beyond what it has written").isZero();
    assertThat(timer).as("checked again").hasSize(1);

    now.addAndGet(CommitBroadcast.DELAY_NANOS);
    slow.holdsCommitted = true;
    slow.lastAnswerAt = now.get();
    fire();
    assertThat(slow.heartbeats).isEqualTo(1);
    assertThat(timer).isEmpty();
  }

  @Test
  void aSilentFollowerIsLeftToRatisHeartbeats() {
    FakeFollower down = follower(now.get() - 2 * CommitBroadcast.ALIVE_NANOS);
    down.holdsCommitted = false;
    broadcast.applied(10);
    now.addAndGet(CommitBroadcast.DELAY_NANOS);
    fire();
    assertThat(down.heartbeats).isZero();
    assertThat(timer).as("not checked again").isEmpty();
  }

  @Test
  void theLastEntryOfTheLogIsBroadcastAtOnce() {
    FakeFollower quiet = follower(now.get() - 5_000_000);
    nextLogIndex.set(11);
    broadcast.applied(10);
    assertThat(delays).as("no append is coming to carry the commit index").containsExactly(0L);
    fire();
    assertThat(quiet.heartbeats).isEqualTo(1);

    // An apply with entries behind it waits for their appends, as before.
    nextLogIndex.set(13);
    now.addAndGet(1_000_000);
    broadcast.applied(11);
    assertThat(delays).containsExactly(0L, CommitBroadcast.DELAY_NANOS);
  }

  @Test
  void aLogThatCannotBeReadKeepsTheDelayedCheck() {
    follower(0);
    CommitBroadcast stopping = new CommitBroadcast(() -> List.copyOf(followers), () -> {
      throw new IllegalStateException("the server is stopping");
    }, (task, delayNanos) -> delays.add(delayNanos), now::get);
    stopping.applied(10);
    assertThat(delays).containsExactly(CommitBroadcast.DELAY_NANOS);
  }

  @Test
  void aNodeWithoutFollowersToTellArmsNothing() {
    broadcast.applied(10);
    assertThat(timer).isEmpty();
  }
}

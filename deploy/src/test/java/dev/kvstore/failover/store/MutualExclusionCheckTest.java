package dev.kvstore.failover.store;

import static dev.kvstore.failover.store.MutualExclusionCheck.protectedValue;
import static dev.kvstore.failover.store.StoreRunBuilder.delete;
import static dev.kvstore.failover.store.StoreRunBuilder.put;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Protected writes checked against the lock key's state just before each. */
class MutualExclusionCheckTest {

  private static final String LOCK = "run/lock/owner";
  private static final String DATA = "run/lock/data";

  private static List<String> check(StoreRunBuilder run) {
    return MutualExclusionCheck.check(run.check(10).timeline(), LOCK, DATA);
  }

  @Test
  void writesOfSuccessiveHoldersEachUnderItsOwnTenure() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(LOCK, "alice", 10, 1, 10))
        .revision(11, put(DATA, protectedValue("alice", 10, 1), 11, 1, 11))
        .revision(12, delete(LOCK, 12))
        .revision(13, put(LOCK, "bob", 13, 1, 13))
        .revision(14, put(DATA, protectedValue("bob", 13, 1), 11, 2, 14));
    assertThat(check(run)).isEmpty();
  }

  @Test
  void aWriteAfterTheLockWasReleased() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(LOCK, "alice", 10, 1, 10))
        .revision(11, delete(LOCK, 11))
        .revision(12, put(DATA, protectedValue("alice", 10, 1), 12, 1, 12));
    assertThat(check(run)).singleElement().asString().contains("while the lock was free");
  }

  @Test
  void aWriteOfAFormerHolderWhileAnotherHoldsTheLock() {
    StoreRunBuilder run = new StoreRunBuilder()
        .revision(10, put(LOCK, "alice", 10, 1, 10))
        .revision(11, delete(LOCK, 11))
        .revision(12, put(LOCK, "bob", 12, 1, 12))
        .revision(13, put(DATA, protectedValue("bob", 12, 1), 13, 1, 13))
        .revision(14, put(DATA, protectedValue("alice", 10, 2), 13, 2, 14));
    assertThat(check(run)).anyMatch(line -> line.contains("while bob held the lock"))
        .anyMatch(line -> line.contains("two tenures interleave"));
  }
}

package dev.kvstore.node.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallerBucketsTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  /** 2 requests/s, burst 4: a full bucket refills from empty in 2 s. */
  private final CallerBuckets buckets = new CallerBuckets(new RateLimits(2, 4), now::get);

  @Test
  void aBurstPassesThenTheNextCallWaitsForOneRefill() {
    for (int i = 0; i < 4; i++) {
      assertThat(buckets.tryAcquire("user:alice")).as("call %d", i).isZero();
    }
    assertThat(buckets.tryAcquire("user:alice")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(buckets.tryAcquire("user:alice")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(buckets.tryAcquire("user:alice")).isZero();
    assertThat(buckets.tryAcquire("user:alice")).isPositive();
  }

  @Test
  void eachCallerHasItsOwnBucket() {
    for (int i = 0; i < 4; i++) {
      buckets.tryAcquire("address:10.0.0.1");
    }
    assertThat(buckets.tryAcquire("address:10.0.0.1")).isPositive();
    assertThat(buckets.tryAcquire("address:10.0.0.2")).isZero();
    assertThat(buckets.tryAcquire("user:10.0.0.1")).isZero();
  }

  @Test
  void aSweepDropsOnlyBucketsThatAreFullAgain() {
    buckets.tryAcquire("user:idle");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_500));
    buckets.tryAcquire("user:recent");
    assertThat(buckets.sweep()).isZero();

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(buckets.sweep()).isEqualTo(1);
    assertThat(buckets.tracked()).isEqualTo(1);
  }

  @Test
  void beyondTheTrackedMaximumNewCallersShareOneBucketAndTheKnownKeepTheirs() {
    for (int i = 0; i < CallerBuckets.MAX_TRACKED; i++) {
      buckets.tryAcquire("address:" + i);
    }
    assertThat(buckets.tracked()).isEqualTo(CallerBuckets.MAX_TRACKED);
    for (int i = 0; i < 4; i++) {
      assertThat(buckets.tryAcquire("address:new-" + i)).isZero();
    }
    assertThat(buckets.tryAcquire("address:another")).isPositive();
    assertThat(buckets.tracked()).isEqualTo(CallerBuckets.MAX_TRACKED);
    assertThat(buckets.tryAcquire("address:0")).isZero();

    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertThat(buckets.sweep()).isEqualTo(CallerBuckets.MAX_TRACKED);
  }

  @Test
  void badLimitsAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> new RateLimits(-1, 2).validate()).hasMessageContaining("--rate-limit is -1");
    assertThatThrownBy(() -> new RateLimits(10, 0).validate()).hasMessageContaining("--rate-limit-burst is 0");
    assertThat(new RateLimits(0, 0).validate().on()).isFalse();
    assertThat(RateLimits.perSecond(50).burst()).isEqualTo(100);
  }
}

package dev.kvstore.node.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalThrottleTest {

  private final AtomicLong now = new AtomicLong();
  private final RefusalThrottle throttle = new RefusalThrottle(now::get, 1_000);

  @Test
  void oneLinePerCallerPerIntervalSayingHowManyWereLeftOut() {
    assertThat(throttle.admit("user alice")).isZero();
    assertThat(throttle.admit("user alice")).isEqualTo(-1);
    assertThat(throttle.admit("user alice")).isEqualTo(-1);
    assertThat(throttle.admit("user bob")).as("another caller has its own interval").isZero();
    now.addAndGet(1_000);
    assertThat(throttle.admit("user alice")).isEqualTo(2);
    assertThat(throttle.admit("user alice")).isEqualTo(-1);
    now.addAndGet(5_000);
    assertThat(throttle.admit("user alice")).isEqualTo(1);
  }
}

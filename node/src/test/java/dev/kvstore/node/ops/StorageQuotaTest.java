package dev.kvstore.node.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.statemachine.proto.QuotaExceeded;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageQuotaTest {

  @TempDir
  Path dir;

  @Test
  void theAlarmIsRaisedAboveTheQuotaAndClearsByItselfBelowIt() {
    AtomicLong used = new AtomicLong(900);
    StorageQuota quota = new StorageQuota("n1", 1000, used::get);
    quota.measure();
    assertThat(quota.exceeded()).isEmpty();

    used.set(1000);
    quota.measure();
    assertThat(quota.exceeded()).as("at the quota is within it").isEmpty();

    used.set(1500);
    quota.measure();
    assertThat(quota.exceeded()).contains(QuotaExceeded.newBuilder().setQuotaBytes(1000).setUsedBytes(1500)
        .setMemberId("n1").build());

    used.set(400);
    quota.measure();
    assertThat(quota.exceeded()).isEmpty();
    assertThat(quota.usedBytes()).isEqualTo(400);
  }

  @Test
  void noQuotaMeasuresNothingAndRefusesNothing() {
    StorageQuota quota = new StorageQuota("n1", 0, () -> {
      throw new AssertionError("measured without a quota");
    });
    quota.measure();
    assertThat(quota.exceeded()).isEmpty();
    assertThatThrownBy(() -> new StorageQuota("n1", -1, () -> 0)).hasMessageContaining("--quota-backend-bytes is -1");
  }

  @Test
  void aFailedMeasurementKeepsTheLastOne() {
    AtomicLong used = new AtomicLong(2000);
    StorageQuota quota = new StorageQuota("n1", 1000, () -> {
      if (used.get() < 0) {
        throw new IllegalStateException("disk gone");
      }
      return used.get();
    });
    quota.measure();
    used.set(-1);
    quota.measure();
    assertThat(quota.exceeded()).isPresent();
    assertThat(quota.usedBytes()).isEqualTo(2000);
  }

  @Test
  void theDirectorySizeCountsEveryFileBelowIt() throws IOException {
    Files.write(dir.resolve("a"), new byte[100]);
    Files.createDirectories(dir.resolve("sub/deeper"));
    Files.write(dir.resolve("sub/deeper/b"), new byte[250]);
    assertThat(StorageQuota.directorySize(dir)).isEqualTo(350);
  }
}

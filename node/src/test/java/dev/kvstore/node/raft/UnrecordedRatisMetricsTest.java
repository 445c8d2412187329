package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

class UnrecordedRatisMetricsTest {

  private static final MetricRegistryInfo LOG_WORKER =
      new MetricRegistryInfo("n1@group-1", "ratis", "log_worker", "Ratis log worker metrics");

  /** Fails should ratis-metrics-default come back onto the class path (Ratis would warn and may pick it). */
  @Test
  void ratisFindsTheRegistriesThatRecordNothing() {
    assertThat(MetricRegistries.global()).isInstanceOf(UnrecordedRatisMetrics.class);
  }

  @Test
  void aRegistryIsKeptUntilRemovedAndItsMetersRecordNothing() {
    UnrecordedRatisMetrics registries = new UnrecordedRatisMetrics();

    RatisMetricRegistry registry = registries.create(LOG_WORKER);
    registry.counter("appendEntryCount").inc(5);
    registry.gauge("cacheSize", () -> () -> 42);

    assertThat(registries.create(LOG_WORKER)).isSameAs(registry);
    assertThat(registries.get(LOG_WORKER)).containsSame(registry);
    assertThat(registries.getMetricRegistryInfos()).containsExactly(LOG_WORKER);
    assertThat(registry.getMetricRegistryInfo()).isEqualTo(LOG_WORKER);
    assertThat(registry.counter("appendEntryCount").getCount()).isZero();
    assertThat(registry.timer("flushTime").time().stop()).isZero();
    assertThat(registries.remove(LOG_WORKER)).isTrue();
    assertThat(registries.get(LOG_WORKER)).isEmpty();
    assertThat(registries.remove(LOG_WORKER)).isFalse();
  }
}

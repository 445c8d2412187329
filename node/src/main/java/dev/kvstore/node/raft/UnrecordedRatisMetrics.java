package dev.kvstore.node.raft;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metric registries, recording nothing: Ratis finds this implementation with Java's
 * {@code ServiceLoader} ({@code META-INF/services}) instead of {@code ratis-metrics-default}.
 *
 * <p>kvstore exports its own metrics from Ratis's state ({@code RaftMetrics}, docs/metrics.md) and
 * never read Ratis's registry, yet Ratis kept it up to date on every log write, append and client
 * request: Dropwizard timers whose decaying reservoirs lock and insert into a skip list per update,
 * 2.5% of a leader's CPU with 64 puts in flight (async-profiler; docs/benchmarks.md). Ratis only
 * writes to its registry and never decides anything from it, so one that keeps nothing changes
 * no behaviour.
 */
public final class UnrecordedRatisMetrics extends MetricRegistries {

  private static final Timekeeper.Context STOPPED = () -> 0L;
  private static final Timekeeper TIMER = () -> STOPPED;
  private static final LongCounter COUNTER = new LongCounter() {
    @Override
    public void inc(long n) {}

    @Override
    public void dec(long n) {}

    /** Always 0: nothing is counted. */
    @Override
    public long getCount() {
      return 0;
    }
  };

  /** The registries Ratis created and has not removed, as Ratis may look one up again by its info. */
  private final Map<MetricRegistryInfo, RatisMetricRegistry> registries = new ConcurrentHashMap<>();

  /** Called by Java's {@code ServiceLoader}. */
  public UnrecordedRatisMetrics() {}

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, Registry::new);
  }

  @Override
  public boolean remove(MetricRegistryInfo key) {
    return registries.remove(key) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  /** Nothing is recorded, so there is nothing to report: reporters are not started. */
  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
      Consumer<RatisMetricRegistry> stopReporter) {}

  @Override
  public void enableJmxReporter() {}

  @Override
  public void enableConsoleReporter(TimeDuration consoleReportRate) {}

  /** One component's registry: every timer, counter and gauge it hands out records nothing. */
  private record Registry(MetricRegistryInfo info) implements RatisMetricRegistry {

    @Override
    public Timekeeper timer(String name) {
      return TIMER;
    }

    @Override
    public LongCounter counter(String name) {
      return COUNTER;
    }

    @Override
    public boolean remove(String name) {
      return false;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {}

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }
}

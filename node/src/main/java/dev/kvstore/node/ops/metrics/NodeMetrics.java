package dev.kvstore.node.ops.metrics;

import dev.kvstore.node.ops.StorageQuota;
import dev.kvstore.statemachine.MvccStore;
import dev.kvstore.statemachine.StateMachineObserver;
import dev.kvstore.statemachine.WatchHub;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a node measures, in one Micrometer registry per node, served in the Prometheus format
 * by a {@link MetricsEndpoint}; or, when metrics are off, nothing at all: the parts it hands out
 * then cost nothing (the interceptor passes calls straight on, the observer ignores everything).
 * Every metric is documented in docs/metrics.md.
 */
public final class NodeMetrics implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);
  private static final ServerInterceptor PASS_THROUGH = new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      return next.startCall(call, headers);
    }
  };

  private final boolean on;
  private final MeterRegistry registry;
  private final StateMachineMetrics stateMachine;
  private final RpcMetrics rpc;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private MetricsEndpoint endpoint;

  private NodeMetrics(boolean on, MeterRegistry registry) {
    this.on = on;
    this.registry = registry;
    this.stateMachine = new StateMachineMetrics(registry);
    this.rpc = new RpcMetrics(registry);
  }

  /** Metrics off: nothing is measured or served. */
  public static NodeMetrics off() {
    // A composite registry with no registry in it is Micrometer's no-op registry: meters do nothing.
    return new NodeMetrics(false, new CompositeMeterRegistry());
  }

  /**
   * Starts measuring and serves the metrics on {@code address}.
   *
   * @param nodeId    this node's id, in the {@code kvstore_node_info} metric and the thread's name
   * @param clusterId the cluster's name, in {@code kvstore_node_info}
   * @param version   this build's version, in {@code kvstore_node_info}
   * @param dataDir   the node's data directory, whose disk's free space is reported
   * @throws IOException when the address cannot be bound
   */
  public static NodeMetrics serve(InetSocketAddress address, String nodeId, String clusterId, String version,
      Path dataDir) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeMetrics metrics = new NodeMetrics(true, registry);
    metrics.resources.push(registry::close);
    try {
      metrics.bindProcess(dataDir);
      Gauge.builder("kvstore.node.info", () -> 1)
          .description("Always 1; its labels name this node, its cluster and its version")
          .tag("node", nodeId)
          .tag("cluster", clusterId)
          .tag("version", version)
          .register(registry);
      metrics.endpoint = MetricsEndpoint.start(address, registry, nodeId);
      metrics.resources.push(metrics.endpoint);
    } catch (IOException | RuntimeException e) {
      metrics.close();
      throw e;
    }
    LOG.info("{}: serving metrics on http://{}:{}/metrics", nodeId, address.getHostString(), metrics.port());
    return metrics;
  }

  /** JVM and process metrics: Micrometer's standard binders. */
  private void bindProcess(Path dataDir) {
    new JvmInfoMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    resources.push(gc);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new DiskSpaceMetrics(dataDir.toFile()).bindTo(registry);
  }

  /** The port metrics are served on; 0 when metrics are off. */
  public int port() {
    return endpoint == null ? 0 : endpoint.port();
  }

  /** To be given to the state machine and its watch hub before they start. */
  public StateMachineObserver stateMachineObserver() {
    return on ? stateMachine : StateMachineObserver.NONE;
  }

  /** Registers the gauges that read the state machine (see {@link StateMachineMetrics#gaugeState}). */
  public void gaugeState(MvccStore store, WatchHub hub) {
    stateMachine.gaugeState(store, hub);
  }

  /**
   * Counts a new leader; to be registered as the state machine's leader listener before the Raft
   * server starts, so that the first election is counted too.
   */
  public void leaderChanged(String leaderId) {
    stateMachine.leaderChanged();
  }

  /**
   * Registers the storage quota's gauges: the quota, the data directory's size at its last
   * measurement, and the alarm (as etcd's {@code etcd_server_quota_backend_bytes} and NOSPACE alarm).
   */
  public void gaugeStorageQuota(StorageQuota quota) {
    Gauge.builder("kvstore.storage.quota", quota::quotaBytes)
        .description("--quota-backend-bytes: the data directory size above which writes that add data are refused;"
            + " 0 = no quota")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("kvstore.storage.used", quota::usedBytes)
        .description("Bytes in the data directory at the last measurement (every second while a quota is set)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("kvstore.storage.quota.exceeded", () -> quota.isExceeded() ? 1 : 0)
        .description("1 while the data directory is above the quota: writes that add data are refused"
            + " (RESOURCE_EXHAUSTED) while this node leads")
        .register(registry);
  }

  /** Registers the Raft gauges. */
  public void gaugeRaft(RaftStatus status, RaftMetrics.Queues queues) {
    new RaftMetrics(status, queues).bindTo(registry);
  }

  /** The interceptor that counts and times calls of the client-facing gRPC server. */
  public ServerInterceptor rpcInterceptor() {
    return on ? rpc : PASS_THROUGH;
  }

  /** Stops serving and releases the JVM listeners (GC notifications). */
  @Override
  public void close() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        LOG.warn("error while closing metrics: {}", e.toString());
      }
    }
  }
}

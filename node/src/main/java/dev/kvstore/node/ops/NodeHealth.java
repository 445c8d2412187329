package dev.kvstore.node.ops;

import dev.kvstore.api.KvStoreGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the standard gRPC health status. The empty service name (and {@code kvstore.KvStore}):
 * SERVING while this node is a running member of the group, knows a leader (so it can serve
 * writes and linearizable reads) and has caught up with the leader once since it started (before
 * that it refuses client calls with UNAVAILABLE, see {@code StartupCatchUp}), NOT_SERVING
 * otherwise: readiness, which a load balancer or Kubernetes uses to send clients only to nodes
 * that answer them. {@value #LIVENESS_SERVICE}:
 * SERVING while the node's Raft server runs, whether or not a leader is known: liveness, as etcd's
 * {@code /livez} beside its {@code /readyz} (a member of a cluster without a quorum is alive, and
 * restarting it would not bring the quorum back). Kubernetes' gRPC probes ask for these by name.
 */
public final class NodeHealth implements AutoCloseable {

  /** The health service name whose status says only whether the node runs (liveness probes). */
  public static final String LIVENESS_SERVICE = "liveness";

  private static final Logger LOG = LoggerFactory.getLogger(NodeHealth.class);
  private static final long CHECK_INTERVAL_MS = 200;

  private final HealthStatusManager health;
  private final String nodeId;
  private final BooleanSupplier running;
  private final Supplier<Optional<String>> leaderId;
  private final BooleanSupplier caughtUp;
  private final ScheduledFuture<?> checks;
  private ServingStatus last;

  /**
   * Sets {@code health} now and every 200 ms on {@code scheduler} until closed.
   *
   * @param running  whether the node's Raft server runs (in the node: {@code LocalMember#isRunning})
   * @param leaderId the leader this node knows, if any ({@code LocalMember#leaderId})
   * @param caughtUp whether the node has caught up with the leader since it started
   *                 ({@code StartupCatchUp#caughtUp})
   */
  public NodeHealth(HealthStatusManager health, String nodeId, BooleanSupplier running,
      Supplier<Optional<String>> leaderId, BooleanSupplier caughtUp, ScheduledExecutorService scheduler) {
    this.health = health;
    this.nodeId = nodeId;
    this.running = running;
    this.leaderId = leaderId;
    this.caughtUp = caughtUp;
    update();
    this.checks = scheduler.scheduleWithFixedDelay(this::update, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS,
        TimeUnit.MILLISECONDS);
  }

  private synchronized void update() {
    boolean serving;
    boolean runs = false;
    boolean current = false;
    String leader = null;
    try {
      runs = running.getAsBoolean();
      leader = runs ? leaderId.get().orElse(null) : null;
      current = caughtUp.getAsBoolean();
      serving = leader != null && current;
    } catch (RuntimeException e) {
      serving = false;
    }
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (status != last) {
      LOG.info("{}: health {} (leader {}{})", nodeId, status, leader == null ? "unknown" : leader,
          current ? "" : ", not caught up with it since the start");
      last = status;
    }
    health.setStatus("", status);
    health.setStatus(KvStoreGrpc.SERVICE_NAME, status);
    health.setStatus(LIVENESS_SERVICE, runs ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  @Override
  public synchronized void close() {
    checks.cancel(false);
    health.enterTerminalState();
  }
}

package dev.kvstore.node.ops;

import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.node.raft.LocalMember;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the standard gRPC health status. The empty service name (and {@code kvstore.KvStore}):
 * SERVING while this node is a running member of the group and knows a leader (so it can serve
 * writes and linearizable reads), NOT_SERVING otherwise: readiness. {@value #LIVENESS_SERVICE}:
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
  private final LocalMember member;
  private final ScheduledFuture<?> checks;
  private ServingStatus last;

  /** Sets {@code health} from {@code member} now and every 200 ms on {@code scheduler} until closed. */
  public NodeHealth(HealthStatusManager health, LocalMember member, ScheduledExecutorService scheduler) {
    this.health = health;
    this.member = member;
    update();
    this.checks = scheduler.scheduleWithFixedDelay(this::update, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS,
        TimeUnit.MILLISECONDS);
  }

  private synchronized void update() {
    boolean serving;
    boolean running = false;
    String leader = null;
    try {
      running = member.isRunning();
      leader = running ? member.leaderId().orElse(null) : null;
      serving = leader != null;
    } catch (RuntimeException e) {
      serving = false;
    }
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (status != last) {
      LOG.info("{}: health {} (leader {})", member.id(), status, leader == null ? "unknown" : leader);
      last = status;
    }
    health.setStatus("", status);
    health.setStatus(KvStoreGrpc.SERVICE_NAME, status);
    health.setStatus(LIVENESS_SERVICE, running ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  @Override
  public synchronized void close() {
    checks.cancel(false);
    health.enterTerminalState();
  }
}

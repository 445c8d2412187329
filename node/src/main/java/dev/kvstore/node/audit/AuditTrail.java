package dev.kvstore.node.audit;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import dev.kvstore.node.auth.CallerIdentity;
import dev.kvstore.node.ops.RateLimiting;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the audit log: one JSON line per write, auth and admin operation (whatever its result),
 * and per refused request of any kind ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, and
 * {@code RESOURCE_EXHAUSTED} from the rate limit). Reads that succeed are not logged. A line:
 *
 * <pre>{"time":"2026-11-25T10:00:00.123Z","user":"alice","client":"10.0.0.7:53122","node":"n1",
 * "op":"kvstore.KvStore/Put","key":"app/config","result":"OK","revision":42}</pre>
 *
 * {@code user} is "" without one; {@code revision} is the response header's, present when the
 * call succeeded; the request's subject ({@code key}, {@code prefix}, {@code range_end}, {@code
 * keys}, {@code name}, {@code role}, {@code lease}) is read by {@link AuditFields}, which never
 * reads values, passwords or tokens. Following etcd's audit of its apply path, but at the API.
 *
 * <p>Two hooks, because a node's services see typed requests only inside kvstore's {@code
 * ServiceGuard}, while refusals happen before it: {@link #calls()} is a server interceptor that
 * must run before {@code Authentication} and the rate limit (it sees every call's response and
 * status, and writes the line when the call closes); {@link #requests} wraps a service so that
 * the request message and the caller's identity reach the call's {@link AuditedCall}, through the
 * call's {@link Context}.
 */
public final class AuditTrail {

  /** Methods whose every call is logged, answered or refused. */
  private static final Set<String> AUDITED = Set.of(
      "kvstore.KvStore/Put", "kvstore.KvStore/Delete", "kvstore.KvStore/DeleteRange", "kvstore.KvStore/Txn",
      "kvstore.KvStore/Compact", "kvstore.Lease/LeaseGrant", "kvstore.Lease/LeaseRevoke",
      "kvstore.Maintenance/Snapshot", "kvstore.Maintenance/Backup", "kvstore.Cluster/MemberAdd",
      "kvstore.Cluster/MemberPromote", "kvstore.Cluster/MemberRemove", "kvstore.Cluster/MoveLeader");
  private static final String AUTH_SERVICE = "kvstore.Auth";
  private static final String NOT_AUDITED_AUTH = "kvstore.Auth/AuthStatus";
  /** Refusals logged whatever the method. */
  private static final Set<Status.Code> DENIALS = Set.of(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
  private static final Metadata.Key<String> RATE_LIMITED =
      Metadata.Key.of(RateLimiting.RETRY_AFTER_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<AuditedCall> CALL = Context.key("kvstore-audited-call");

  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

  private final AuditLog log;
  private final String nodeId;
  private final Clock clock;
  /** Rate-limit refusals: one line per caller per second at most. */
  private final RefusalThrottle throttle = new RefusalThrottle(System::nanoTime, 1_000_000_000L);
  private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();

  /**
   * @param log    where the lines go
   * @param nodeId written in every line as {@code node}
   * @param clock  the time of each line (UTC)
   */
  public AuditTrail(AuditLog log, String nodeId, Clock clock) {
    this.log = log;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /** No audit log: {@link #calls()} passes calls through, {@link #requests} leaves services as they are. */
  public static AuditTrail off() {
    return new AuditTrail(null, "", Clock.systemUTC());
  }

  /** The interceptor that writes a line when a call worth auditing closes; must run before authentication. */
  public ServerInterceptor calls() {
    if (log == null) {
      return new ServerInterceptor() {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
          return next.startCall(call, headers);
        }
      };
    }
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        AuditedCall audited = new AuditedCall(call.getMethodDescriptor().getFullMethodName(),
            call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        return Contexts.interceptCall(Context.current().withValue(CALL, audited),
            new LineOnClose<>(call, audited), headers, next);
      }
    };
  }

  /** {@code service} with its requests (and the caller's identity) passed to the audit line. */
  public ServerServiceDefinition requests(BindableService service) {
    if (log == null) {
      return service.bindService();
    }
    return ServerInterceptors.intercept(service, new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        AuditedCall audited = CALL.get();
        if (audited == null) {
          return next.startCall(call, headers);
        }
        audited.user = CallerIdentity.current();
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onMessage(Q message) {
            if (audited.request == null && message instanceof Message m) {
              audited.request = m;
            }
            super.onMessage(message);
          }
        };
      }
    });
  }

  private static boolean audited(String method) {
    return AUDITED.contains(method) || (method.startsWith(AUTH_SERVICE + "/") && !method.equals(NOT_AUDITED_AUTH));
  }

  private void closed(AuditedCall call, Status status, Metadata trailers) {
    boolean rateLimited = status.getCode() == Status.Code.RESOURCE_EXHAUSTED && trailers.containsKey(RATE_LIMITED);
    boolean denied = DENIALS.contains(status.getCode()) || rateLimited;
    if (!denied && !audited(call.method)) {
      return;
    }
    long leftOut = 0;
    if (rateLimited) {
      leftOut = throttle.admit(RateLimiting.Caller.of(call.user == null ? "" : call.user, call.remote).key());
      if (leftOut < 0) {
        return;
      }
    }
    JsonObject line = new JsonObject();
    line.addProperty("time", clock.instant().toString());
    line.addProperty("user", call.user == null ? "" : call.user);
    line.addProperty("client", address(call.remote));
    line.addProperty("node", nodeId);
    line.addProperty("op", call.method);
    Message request = call.request;
    if (request != null) {
      AuditFields.addRequest(line, request);
    }
    line.addProperty("result", status.getCode().name());
    if (leftOut > 0) {
      // this caller's rate-limit refusals not written since its previous line (see RefusalThrottle)
      line.addProperty("suppressed", leftOut);
    }
    Message response = call.response;
    if (status.isOk() && response != null) {
      AuditFields.addResponse(line, response);
    }
    log.write(gson.toJson(line));
  }

  private static String address(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet) {
      String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return remote == null ? "" : remote.toString();
  }

  /** What is known of one call; written from the call's threads, read when it closes. */
  private static final class AuditedCall {
    final String method;
    final SocketAddress remote;
    volatile String user;
    volatile Message request;
    volatile Message response;

    AuditedCall(String method, SocketAddress remote) {
      this.method = method;
      this.remote = remote;
    }
  }

  /** Keeps the last response message and writes the line at close. */
  private final class LineOnClose<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private final AuditedCall audited;

    LineOnClose(ServerCall<Q, A> delegate, AuditedCall audited) {
      super(delegate);
      this.audited = audited;
    }

    @Override
    public void sendMessage(A message) {
      // Only calls audited whatever their result need the response (a watch's would be kept for nothing).
      if (message instanceof Message m && audited(audited.method)) {
        audited.response = m;
      }
      super.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (audited.user == null) {
        // Refused before any service saw the call (authentication, the rate limit): that refusal
        // runs in the call's context, which holds the user when there is one.
        audited.user = CallerIdentity.current();
      }
      try {
        closed(audited, status, trailers);
      } catch (RuntimeException e) {
        LOG.warn("{}: could not write the audit line of a {} call: {}", nodeId, audited.method, e.toString());
      }
      super.close(status, trailers);
    }
  }
}

package dev.kvstore.client;

import com.google.protobuf.CodedInputStream;
import dev.kvstore.api.MemberHints;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One standard gRPC health check ({@link MemberHints#HEALTH_CHECK}, about the whole server) for what
 * its answer says about the member at an endpoint: whether it serves (it knows a leader), and its
 * trailers, which name the member, its leader and term, and the revision it has applied.
 */
final class HealthCheckCall {

  /** HealthCheckResponse's {@code status} field (number 1, varint) and its value SERVING. */
  private static final int STATUS_TAG = 1 << 3;
  private static final int SERVING = 1;

  /**
   * What a health check found.
   *
   * @param status   how the call ended (OK when the node answered)
   * @param serving  the node answered SERVING
   * @param trailers the call's trailers (empty when none came)
   */
  record Result(Status status, boolean serving, Metadata trailers) {}

  private HealthCheckCall() {}

  /** A health check on {@code channel} with a deadline {@code timeout} from now, not started yet. */
  static ClientCall<byte[], byte[]> newCall(Channel channel, Duration timeout) {
    return channel.newCall(MemberHints.HEALTH_CHECK,
        CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Starts {@code call} (from {@link #newCall}); {@code done} runs once, on a gRPC thread, when it ends. */
  static void start(ClientCall<byte[], byte[]> call, Consumer<Result> done) {
    call.start(new ClientCall.Listener<>() {
      private boolean serving;

      @Override
      public void onMessage(byte[] response) {
        serving = serving(response);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        done.accept(new Result(status, status.isOk() && serving, trailers == null ? new Metadata() : trailers));
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(new byte[0]);
    call.halfClose();
  }

  /** Whether a HealthCheckResponse says SERVING (read by hand: the client has no health stubs). */
  static boolean serving(byte[] response) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(response);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == STATUS_TAG) {
          return in.readEnum() == SERVING;
        }
        in.skipField(tag);
      }
    } catch (IOException malformed) {
      return false;
    }
    return false;
  }
}

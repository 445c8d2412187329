package dev.kvstore.node;

/**
 * Turns off Netty's buffer leak detector in both Netty copies a node runs (gRPC's, for the client
 * port, and Ratis's, for the peers), unless a system property asks for a level.
 *
 * <p>Netty samples one buffer in 128 by default ({@code SIMPLE}) and records a stack trace for it
 * when it is allocated and released: on a leader answering 6,000 linearizable gets a second that
 * was 2% of its CPU (async-profiler, {@code Throwable.fillInStackTrace} under
 * {@code ResourceLeakDetector}; docs/benchmarks.md). kvstore's buffer handling is gRPC's and
 * Ratis's own, and the tests, which start nodes in-process without this, keep the detector on.
 * To turn it on in a node, pass the property of the Netty copy concerned, e.g.
 * {@code -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid} or
 * {@code -Dorg.apache.ratis.thirdparty.io.netty.leakDetection.level=simple}.
 */
final class BufferLeakDetection {

  /** gRPC's shaded Netty reads its settings under its relocated package name. */
  static final String GRPC_PROPERTY = "io.grpc.netty.shaded.io.netty.leakDetection.level";
  /** Ratis's shaded Netty, likewise. */
  static final String RATIS_PROPERTY = "org.apache.ratis.thirdparty.io.netty.leakDetection.level";

  private BufferLeakDetection() {}

  /** Must run before the first buffer is allocated: Netty reads the level once. */
  static void apply() {
    if (System.getProperty(GRPC_PROPERTY) == null) {
      io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
          io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    if (System.getProperty(RATIS_PROPERTY) == null) {
      org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
          org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
  }
}

package dev.kvstore.node.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.node.NodeConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

/** The Ratis properties a node's configuration turns into, where kvstore departs from Ratis's defaults. */
class RaftSettingsTest {

  private static NodeConfig config(RaftTuning tuning) {
    return NodeConfig.of("n1", List.of(new Peer("n1", "127.0.0.1", 7001)), "127.0.0.1", 50051, Path.of("data"))
        .withRaft(tuning);
  }

  @Test
  void ratisAsksForSnapshotsOftenEnoughForAThresholdOfWrites() {
    RaftProperties large = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));
    RaftProperties small = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS.withSnapshots(300, 0)));

    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerEnabled(large)).isTrue();
    // 100,000 writes may be far fewer entries (a batch of writes per entry): Ratis asks from 1,024 on
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(large)).isEqualTo(RaftSettings.SNAPSHOT_CHECK_ENTRIES);
    assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(small)).isEqualTo(300);
  }

  @Test
  void fewLogEntriesStayInMemoryBesidesTheOpenSegment() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(RaftServerConfigKeys.Log.segmentCacheNumMax(properties)).isEqualTo(RaftSettings.LOG_CACHE_CLOSED_SEGMENTS);
    assertThat(RaftServerConfigKeys.Log.segmentCacheSizeMax(properties).getSize())
        .isEqualTo(RaftSettings.LOG_CACHE_BYTES)
        .isLessThan(RaftServerConfigKeys.Log.SEGMENT_CACHE_SIZE_MAX_DEFAULT.getSize());
  }

  @Test
  void aLeaderCutOffMayStandAgainAfterOneElectionTimeoutNotTenSeconds() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(properties).toLong(TimeUnit.MILLISECONDS))
        .isEqualTo(RaftTuning.DEFAULTS.electionTimeout().toMillis())
        .isLessThan(RaftServerConfigKeys.LeaderElection.LEADER_STEP_DOWN_WAIT_TIME_DEFAULT.toLong(TimeUnit.MILLISECONDS));
    assertThat(RaftServerConfigKeys.LeaderElection.preVote(properties))
        .as("pre-vote keeps a cut-off member from disrupting a group with a live leader").isTrue();
  }

  @Test
  void theTransportRecordsTheLeadersLogAppenders() {
    RaftProperties properties = RaftSettings.serverProperties(config(RaftTuning.DEFAULTS));

    assertThat(org.apache.ratis.RaftConfigKeys.Rpc.type(properties, message -> { }))
        .isInstanceOf(AppenderTrackingGrpc.class);
  }

  @Test
  void ratisPeerHandlersRunOnTheTransportThreadsWithoutAHandOff() throws Exception {
    GrpcServices.Customizer customizer =
        GrpcConfigKeys.Server.servicesCustomizer(RaftSettings.serverParameters(new FollowerAppenders()));
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("kvstore.test/Where")
        .setRequestMarshaller(Bytes.INSTANCE)
        .setResponseMarshaller(Bytes.INSTANCE)
        .build();
    AtomicReference<Thread> handler = new AtomicReference<>();
    ServerServiceDefinition service = ServerServiceDefinition.builder("kvstore.test")
        .addMethod(method, ServerCalls.asyncUnaryCall((request, answer) -> {
          handler.set(Thread.currentThread());
          answer.onNext(request);
          answer.onCompleted();
        }))
        .build();
    Server server = customizer.customize(NettyServerBuilder.forPort(0), EnumSet.allOf(GrpcServices.Type.class))
        .addService(service)
        .build()
        .start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      byte[] answer = ClientCalls.blockingUnaryCall(channel, method,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {7});

      assertThat(answer).containsExactly(7);
      assertThat(handler.get())
          .as("the handler ran on %s, not on one of Netty's event loop threads", handler.get().getName())
          .isInstanceOf(FastThreadLocalThread.class);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  /** Messages as their bytes, for Ratis's relocated gRPC (MemberHints has the same for the client port's gRPC). */
  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}

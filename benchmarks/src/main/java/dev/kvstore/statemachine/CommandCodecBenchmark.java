package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestId;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.PutOp;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Raft log command of a put, both ways: built from the gRPC request as the node's
 * {@code KvStoreService} and {@code CommandSubmitter} build it (put op, request id, bytes wrapped
 * in a Ratis message), parsed as {@link KvStateMachine} parses it on apply, and the digest the
 * applier takes of every command with a request id ({@link CommandDigest}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CommandCodecBenchmark {

  /** Bytes of the value put. */
  @Param({"256", "16384"})
  public int valueBytes;

  private PutRequest request;
  private Command command;
  private byte[] encoded;

  @Setup
  public void prepare() {
    byte[] value = new byte[valueBytes];
    new Random(1).nextBytes(value);
    byte[] client = new byte[16];
    new Random(2).nextBytes(client);
    request = PutRequest.newBuilder()
        .setKey("users/0042/profile")
        .setValue(ByteString.copyFrom(value))
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFrom(client)).setSequence(123_456))
        .build();
    command = toCommand(request);
    encoded = command.toByteArray();
  }

  private static Command toCommand(PutRequest request) {
    PutOp op = PutOp.newBuilder()
        .setKey(request.getKey())
        .setValue(request.getValue())
        .setPrevKv(request.getPrevKv())
        .build();
    return Command.newBuilder()
        .setPut(op)
        .setRequestId(ClientRequestId.newBuilder()
            .setClientId(request.getRequestId().getClientId())
            .setSequence(request.getRequestId().getSequence()))
        .build();
  }

  @Benchmark
  public Message encode() {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(toCommand(request).toByteArray()));
  }

  @Benchmark
  public Command decode() throws InvalidProtocolBufferException {
    return Command.parseFrom(UnsafeByteOperations.unsafeWrap(encoded).asReadOnlyByteBuffer());
  }

  @Benchmark
  public ByteString digest() {
    return CommandDigest.of(command);
  }
}

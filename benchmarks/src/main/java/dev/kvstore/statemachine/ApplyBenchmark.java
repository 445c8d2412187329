package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.PutOp;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.statemachine.TransactionContext;
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
 * Applying one put of 256 bytes with a request id (as every write from the node carries) to a
 * store of {@code keys} keys, overwriting keys spread over the store: through
 * {@link CommandApplier} alone (store, dedup table, watch hub without watches), and through
 * {@link KvStateMachine#applyTransaction} as Ratis calls it on a follower (parse, apply, result
 * bytes; building the Ratis log entry of each op is included, its index must grow).
 *
 * <p>The commands are made beforehand, each with its own request id; there are more of them than
 * the dedup table keeps, so when they come round again their ids were evicted and they apply anew.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class ApplyBenchmark {

  private static final int COMMANDS = AppliedRequests.MAX_ENTRIES + (1 << 15);
  private static final ByteString VALUE = ByteString.copyFrom(new byte[256]);
  private static final ByteString CLIENT = ByteString.copyFromUtf8("benchmark-client");

  /** Commands to apply, made once per trial. */
  @State(Scope.Benchmark)
  public static class Commands {

    /** Keys in the store before the benchmark; puts overwrite them. */
    @Param({"10000", "1000000"})
    public int keys;

    final Command[] commands = new Command[COMMANDS];
    long sequence;

    @Setup
    public void make() {
      for (int i = 0; i < COMMANDS; i++) {
        commands[i] = put(key((int) ((long) i * 7919 % keys)), ++sequence);
      }
    }

    static String key(int i) {
      return String.format("key-%08d", i);
    }

    static Command put(String key, long sequence) {
      return Command.newBuilder()
          .setPut(PutOp.newBuilder().setKey(key).setValue(VALUE))
          .setRequestId(ClientRequestId.newBuilder().setClientId(CLIENT).setSequence(sequence))
          .build();
    }

    /** Creates every key once, with request ids of their own. */
    void fill(java.util.function.Consumer<Command> apply) {
      for (int i = 0; i < keys; i++) {
        apply.accept(put(key(i), ++sequence));
      }
    }
  }

  /** A {@link CommandApplier} over a store of {@link Commands#keys} keys. */
  @State(Scope.Benchmark)
  public static class Applier {
    CommandApplier applier;
    int next;

    @Setup
    public void fill(Commands commands) {
      // A node keeps 10,000 revisions by default (its leader compacts them away): the same here.
      MvccStore store = new MvccStore(10_000);
      applier = new CommandApplier(store, new AppliedRequests(), new WatchHub(store, 1024));
      commands.fill(applier::apply);
    }
  }

  /** A {@link KvStateMachine} (not started: applies need no Raft server) over a store of {@link Commands#keys} keys. */
  @State(Scope.Benchmark)
  public static class StateMachine {
    KvStateMachine stateMachine;
    byte[][] encoded;
    long index;

    @Setup
    public void fill(Commands commands) {
      MvccStore store = new MvccStore(10_000);
      stateMachine = new KvStateMachine(store, new WatchHub(store, 1024));
      commands.fill(c -> apply(c.toByteArray()));
      encoded = new byte[COMMANDS][];
      for (int i = 0; i < COMMANDS; i++) {
        encoded[i] = commands.commands[i].toByteArray();
      }
    }

    Message apply(byte[] command) {
      StateMachineLogEntryProto entry = StateMachineLogEntryProto.newBuilder()
          .setLogData(UnsafeByteOperations.unsafeWrap(command))
          .build();
      TransactionContext trx = TransactionContext.newBuilder()
          .setStateMachine(stateMachine)
          .setLogEntry(LogProtoUtils.toLogEntryProto(entry, 1, ++index))
          .build();
      try {
        return stateMachine.applyTransaction(trx).get();
      } catch (InterruptedException | ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Benchmark
  public CommandResult applier(Applier state, Commands commands) {
    CommandResult r = state.applier.apply(commands.commands[state.next]);
    state.next = (state.next + 1) % COMMANDS;
    return r;
  }

  @Benchmark
  public Message stateMachine(StateMachine state) {
    return state.apply(state.encoded[(int) (state.index % COMMANDS)]);
  }
}

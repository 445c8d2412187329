package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.CommandBatch;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.ReadBarrierOp;

/** Builders for commands in tests. */
final class TestCommands {

  private TestCommands() {}

  static Command put(String key, String value) {
    return Command.newBuilder().setPut(PutOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value))).build();
  }

  static Command putWithPrev(String key, String value) {
    return Command.newBuilder()
        .setPut(PutOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).setPrevKv(true))
        .build();
  }

  static Command delete(String key) {
    return Command.newBuilder().setDelete(DeleteOp.newBuilder().setKey(key).setPrevKv(true)).build();
  }

  static Command readBarrier() {
    return Command.newBuilder().setReadBarrier(ReadBarrierOp.getDefaultInstance()).build();
  }

  static Command batch(Command... commands) {
    return Command.newBuilder().setBatch(CommandBatch.newBuilder().addAllCommands(java.util.List.of(commands))).build();
  }

  static Command withId(Command c, String client, long sequence) {
    return c.toBuilder()
        .setRequestId(ClientRequestId.newBuilder().setClientId(ByteString.copyFromUtf8(client)).setSequence(sequence))
        .build();
  }
}

package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.RangeOp;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnOp;
import dev.kvstore.statemachine.proto.TxnRequestOp;
import java.util.List;

/** Builders for transactions and range deletes in tests. */
final class TxnCommands {

  private TxnCommands() {}

  static Command txn(List<TxnCompare> compares, List<TxnRequestOp> success, List<TxnRequestOp> failure) {
    return Command.newBuilder()
        .setTxn(TxnOp.newBuilder().addAllCompares(compares).addAllSuccess(success).addAllFailure(failure))
        .build();
  }

  static TxnCompare compare(String key, TxnCompare.Target target, TxnCompare.Result result, long number) {
    return TxnCompare.newBuilder().setKey(key).setTarget(target).setResult(result).setNumber(number).build();
  }

  static TxnCompare valueIs(String key, TxnCompare.Result result, String value) {
    return TxnCompare.newBuilder().setKey(key).setTarget(TxnCompare.Target.VALUE).setResult(result)
        .setValue(ByteString.copyFromUtf8(value)).build();
  }

  static TxnRequestOp putOp(String key, String value) {
    return TxnRequestOp.newBuilder()
        .setPut(PutOp.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).setPrevKv(true))
        .build();
  }

  static TxnRequestOp deleteOp(DeleteOp delete) {
    return TxnRequestOp.newBuilder().setDelete(delete).build();
  }

  static DeleteOp deletePrefix(String prefix) {
    return DeleteOp.newBuilder().setKey(prefix).setPrefix(true).setPrevKv(true).build();
  }

  static TxnRequestOp rangeOp(RangeOp range) {
    return TxnRequestOp.newBuilder().setRange(range).build();
  }

  static RangeOp rangePrefix(String prefix) {
    return RangeOp.newBuilder().setKey(prefix).setPrefix(true).build();
  }

  static Command deleteRange(DeleteOp delete) {
    return Command.newBuilder().setDelete(delete).build();
  }
}

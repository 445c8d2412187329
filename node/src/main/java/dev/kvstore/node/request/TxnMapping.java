package dev.kvstore.node.request;

import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.DeleteRangeResponse;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.SortOrder;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.DeleteOpResult;
import dev.kvstore.statemachine.proto.PutOp;
import dev.kvstore.statemachine.proto.RangeOp;
import dev.kvstore.statemachine.proto.RangeOpResult;
import dev.kvstore.statemachine.proto.TxnCompare;
import dev.kvstore.statemachine.proto.TxnOp;
import dev.kvstore.statemachine.proto.TxnOpResult;
import dev.kvstore.statemachine.proto.TxnRequestOp;

/**
 * Converts Txn and DeleteRange requests, once {@link RequestLimits} accepted them, into the
 * state machine's commands, and their results into responses. Every op response of a transaction
 * carries the transaction's header (one revision for all), as in etcd.
 */
final class TxnMapping {

  private TxnMapping() {}

  static TxnOp toCommand(TxnRequest request) {
    TxnOp.Builder txn = TxnOp.newBuilder();
    request.getCompareList().forEach(c -> txn.addCompares(toCommand(c)));
    request.getSuccessList().forEach(op -> txn.addSuccess(toCommand(op)));
    request.getFailureList().forEach(op -> txn.addFailure(toCommand(op)));
    return txn.build();
  }

  static DeleteOp toCommand(DeleteRangeRequest request) {
    return DeleteOp.newBuilder()
        .setKey(request.getKey())
        .setRangeEnd(request.getRangeEnd())
        .setPrefix(request.getPrefix())
        .setPrevKv(request.getPrevKv())
        .build();
  }

  static TxnResponse toResponse(CommandResult result, ResponseHeader header) {
    TxnResponse.Builder response = TxnResponse.newBuilder().setHeader(header).setSucceeded(result.getSucceeded());
    for (TxnOpResult op : result.getResponsesList()) {
      response.addResponses(switch (op.getResultCase()) {
        case PUT -> {
          PutResponse.Builder put = PutResponse.newBuilder().setSuccess(true).setHeader(header);
          if (op.getPut().hasPrev()) {
            put.setPrevKv(ApiMapping.toApi(op.getPut().getPrev()));
          }
          yield ResponseOp.newBuilder().setResponsePut(put).build();
        }
        case DELETE -> ResponseOp.newBuilder().setResponseDeleteRange(toResponse(op.getDelete(), header)).build();
        case RANGE -> ResponseOp.newBuilder().setResponseRange(toResponse(op.getRange(), header)).build();
        case RESULT_NOT_SET -> throw new IllegalStateException("the state machine answers every op");
      });
    }
    return response.build();
  }

  /** The response to a DeleteRange: a range's deleted entries, or a single key's. */
  static DeleteRangeResponse toDeleteRangeResponse(CommandResult result, ResponseHeader header) {
    DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder()
        .setHeader(header)
        .setDeleted(result.getDeleted());
    result.getPrevKvsList().forEach(kv -> response.addPrevKvs(ApiMapping.toApi(kv)));
    if (result.hasPrev()) {
      response.addPrevKvs(ApiMapping.toApi(result.getPrev()));
    }
    return response.build();
  }

  private static DeleteRangeResponse toResponse(DeleteOpResult op, ResponseHeader header) {
    DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder()
        .setHeader(header)
        .setDeleted(op.getDeleted());
    op.getPrevKvsList().forEach(kv -> response.addPrevKvs(ApiMapping.toApi(kv)));
    return response.build();
  }

  private static RangeResponse toResponse(RangeOpResult op, ResponseHeader header) {
    RangeResponse.Builder response = RangeResponse.newBuilder()
        .setHeader(header)
        .setCount(op.getCount())
        .setMore(op.getMore());
    op.getKvsList().forEach(kv -> response.addKvs(ApiMapping.toApi(kv)));
    return response.build();
  }

  private static TxnCompare toCommand(Compare c) {
    TxnCompare.Builder compare = TxnCompare.newBuilder()
        .setKey(c.getKey())
        .setRangeEnd(c.getRangeEnd())
        .setPrefix(c.getPrefix())
        .setResultValue(c.getResultValue())
        .setTargetValue(c.getTargetValue());
    switch (c.getTargetUnionCase()) {
      case VERSION -> compare.setNumber(c.getVersion());
      case CREATE_REVISION -> compare.setNumber(c.getCreateRevision());
      case MOD_REVISION -> compare.setNumber(c.getModRevision());
      case LEASE -> compare.setNumber(c.getLease());
      case VALUE -> compare.setValue(c.getValue());
      case TARGETUNION_NOT_SET -> throw new IllegalStateException("checked by RequestLimits");
    }
    return compare.build();
  }

  private static TxnRequestOp toCommand(RequestOp op) {
    return switch (op.getRequestCase()) {
      case REQUEST_PUT -> {
        PutRequest put = op.getRequestPut();
        yield TxnRequestOp.newBuilder().setPut(PutOp.newBuilder()
            .setKey(put.getKey())
            .setValue(put.getValue())
            .setPrevKv(put.getPrevKv())
            .setLease(put.getLease())).build();
      }
      case REQUEST_DELETE_RANGE -> TxnRequestOp.newBuilder().setDelete(toCommand(op.getRequestDeleteRange())).build();
      case REQUEST_RANGE -> TxnRequestOp.newBuilder().setRange(toCommand(op.getRequestRange())).build();
      case REQUEST_NOT_SET -> throw new IllegalStateException("checked by RequestLimits");
    };
  }

  /**
   * A range of a transaction: a limit of 0 is the API's maximum, as for Range; sort order NONE is
   * ascending (by key unless a target is given), as in etcd.
   */
  private static RangeOp toCommand(RangeRequest r) {
    return RangeOp.newBuilder()
        .setKey(r.getKey())
        .setRangeEnd(r.getRangeEnd())
        .setPrefix(r.getPrefix())
        .setLimit(r.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : r.getLimit())
        .setKeysOnly(r.getKeysOnly())
        .setCountOnly(r.getCountOnly())
        .setSortTargetValue(r.getSortTargetValue())
        .setDescending(r.getSortOrder() == SortOrder.DESCEND)
        .build();
  }
}

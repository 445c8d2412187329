package dev.kvstore.node;

import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.RequestId;
import dev.kvstore.api.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;

/** The documented limits on client requests, and the checks that enforce them with clear messages. */
final class RequestLimits {

  /** Longest key, in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 4096;
  /** Largest value, in bytes. */
  static final int MAX_VALUE_BYTES = 1 << 20;
  /** Most entries one GetAll returns; 0 in a request means this. */
  static final int MAX_RANGE_LIMIT = 10_000;
  /** Approximate byte budget of one GetAll response, below gRPC's default 4 MiB client limit. */
  static final long MAX_RANGE_BYTES = 3L << 20;
  /** gRPC inbound limit, above the value limit so oversize values get our message, not gRPC's. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 4 * MAX_VALUE_BYTES;

  private RequestLimits() {}

  static void check(PutRequest r) {
    checkKey(r.getKey(), "key");
    if (r.getValue().size() > MAX_VALUE_BYTES) {
      throw invalid("value is " + r.getValue().size() + " bytes; the maximum is " + MAX_VALUE_BYTES + " bytes (1 MiB)");
    }
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  static void check(DeleteRequest r) {
    checkKey(r.getKey(), "key");
    if (r.hasRequestId()) {
      checkRequestId(r.getRequestId());
    }
  }

  static void check(GetRequest r) {
    checkKey(r.getKey(), "key");
    checkConsistency(r.getConsistencyValue());
  }

  static void check(GetAllRequest r) {
    checkLength(r.getPrefix(), "prefix");
    checkLength(r.getStartAfter(), "start_after");
    checkConsistency(r.getConsistencyValue());
    if (r.getLimit() < 0 || r.getLimit() > MAX_RANGE_LIMIT) {
      throw invalid("limit is " + r.getLimit() + "; use 1.." + MAX_RANGE_LIMIT + ", or 0 for the maximum");
    }
  }

  static void check(WatchRequest r) {
    if (r.getPrefix()) {
      checkLength(r.getKey(), "prefix");
    } else {
      checkKey(r.getKey(), "key");
    }
    if (r.getStartRevision() < 0) {
      throw invalid("start_revision is " + r.getStartRevision() + "; use 0 (from now) or a revision >= 1");
    }
  }

  private static void checkKey(String key, String what) {
    if (key.isEmpty()) {
      throw invalid(what + " is empty; keys are non-empty UTF-8 strings of at most " + MAX_KEY_BYTES + " bytes");
    }
    checkLength(key, what);
  }

  private static void checkLength(String key, String what) {
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_KEY_BYTES) {
      throw invalid(what + " is " + bytes + " bytes; the maximum is " + MAX_KEY_BYTES + " bytes of UTF-8");
    }
  }

  private static void checkConsistency(int value) {
    if (value != 0 && value != 1) {
      throw invalid("consistency " + value + " is unknown; use LINEARIZABLE (0) or SERIALIZABLE (1)");
    }
  }

  private static void checkRequestId(RequestId id) {
    if (id.getClientId().size() < 8 || id.getClientId().size() > 64 || id.getSequence() == 0) {
      throw invalid("request_id needs a client_id of 8-64 bytes (16 random bytes recommended) and a sequence >= 1");
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}

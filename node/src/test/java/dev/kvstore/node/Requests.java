package dev.kvstore.node;

import com.google.protobuf.ByteString;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.PutRequest;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.RequestId;

/** Request builders shared by the node tests. */
final class Requests {

  private Requests() {}

  static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(value)).build();
  }

  static PutRequest put(String key, String value, String clientId, long sequence) {
    return put(key, value).toBuilder()
        .setRequestId(RequestId.newBuilder().setClientId(ByteString.copyFromUtf8(clientId)).setSequence(sequence))
        .build();
  }

  static GetRequest get(String key) {
    return GetRequest.newBuilder().setKey(key).build();
  }

  static GetRequest localGet(String key) {
    return GetRequest.newBuilder().setKey(key).setConsistency(ReadConsistency.SERIALIZABLE).build();
  }
}

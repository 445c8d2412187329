package dev.kvstore.bench;

import com.google.protobuf.ByteString;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.client.KvAsyncClient;
import java.util.Objects;
import java.util.function.Function;

/**
 * The benchmark's operations on a kvstore cluster, through the asynchronous Java client (with its
 * failover, leader preference and hedged reads, as an application would use it): put writes
 * the next of its {@link PutValues}; get reads linearizably; get-serializable reads serializably.
 */
public final class KvStoreOperations implements Function<OperationType, Operation> {

  private final KvAsyncClient client;
  private final KeySpace keys;
  private final PutValues values;

  /** Every put writes {@code values}' next value. */
  public KvStoreOperations(KvAsyncClient client, KeySpace keys, PutValues values) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.values = Objects.requireNonNull(values, "values");
  }

  /** Every put writes {@code value}. */
  public KvStoreOperations(KvAsyncClient client, KeySpace keys, ByteString value) {
    this(client, keys, PutValues.always(value));
  }

  @Override
  public Operation apply(OperationType type) {
    return switch (type) {
      case PUT -> key -> client.put(keys.key(key), values.next());
      case GET -> key -> client.get(keys.key(key), ReadConsistency.LINEARIZABLE);
      case GET_SERIALIZABLE -> key -> client.get(keys.key(key), ReadConsistency.SERIALIZABLE);
    };
  }
}

package dev.kvstore.comparison;

import dev.kvstore.bench.FailureReason;
import dev.kvstore.bench.KeySpace;
import dev.kvstore.bench.Operation;
import dev.kvstore.bench.OperationType;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The benchmark's operations on etcd, through jetcd (etcd's Java client, default settings: its
 * channel spreads requests over all endpoints): put writes the value; get reads linearizably
 * (etcd's default); get-serializable reads with {@code serializable}, etcd's local read. Each
 * request is given up after {@code requestTimeout} ({@link FailureReason#CLIENT_TIMEOUT}), as the
 * kvstore client gives up after its request timeout.
 */
final class EtcdOperations implements Function<OperationType, Operation> {

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  private final KV kv;
  private final KeySpace keys;
  private final ByteSequence value;
  private final long timeoutMillis;

  EtcdOperations(KV kv, KeySpace keys, byte[] value, Duration requestTimeout) {
    this.kv = kv;
    this.keys = keys;
    this.value = ByteSequence.from(value);
    this.timeoutMillis = requestTimeout.toMillis();
  }

  /** Counts jetcd's failures by their error code (gRPC's names), others as {@link FailureReason#of}. */
  static Function<Throwable, String> failureReason() {
    return FailureReason.preferring(failure -> failure instanceof EtcdException etcd ? etcd.getErrorCode().name() : null);
  }

  @Override
  public Operation apply(OperationType type) {
    return switch (type) {
      case PUT -> key -> kv.put(key(key), value).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
      case GET -> key -> kv.get(key(key)).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
      case GET_SERIALIZABLE -> key -> kv.get(key(key), SERIALIZABLE).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    };
  }

  private ByteSequence key(long number) {
    return ByteSequence.from(keys.key(number), StandardCharsets.UTF_8);
  }
}

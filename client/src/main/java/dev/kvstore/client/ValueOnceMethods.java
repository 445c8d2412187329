package dev.kvstore.client;

import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import java.io.InputStream;
import java.util.function.UnaryOperator;

/**
 * The Get and Watch RPCs as this client calls them, so that a value crosses the wire once.
 *
 * <p>A node fills both the legacy {@code value} field of a {@link GetResponse} or
 * {@link WatchResponse} and {@code kv.value}, unless the request sets {@code omit_value}; this
 * client always sets it, and the response marshallers here copy {@code kv.value} back into
 * {@code value} as each message is parsed, so every caller sees the same messages as before (a
 * 1 MiB value costs 1 MiB on the wire instead of 2). {@code ByteString}s are immutable and shared:
 * the copy is a reference, not the bytes. A node that ignores {@code omit_value} (one older than
 * the field) sends {@code value} itself, which is then left as it came.
 */
final class ValueOnceMethods {

  /** Get, with {@code value} restored from {@code kv.value}. Requests must set {@code omit_value}. */
  static final MethodDescriptor<GetRequest, GetResponse> GET = KvStoreGrpc.getGetMethod().toBuilder()
      .setResponseMarshaller(restoring(KvStoreGrpc.getGetMethod().getResponseMarshaller(), ValueOnceMethods::restore))
      .build();

  /** Watch, with each event's {@code value} restored from {@code kv.value}. Requests must set {@code omit_value}. */
  static final MethodDescriptor<WatchRequest, WatchResponse> WATCH = KvStoreGrpc.getWatchMethod().toBuilder()
      .setResponseMarshaller(restoring(KvStoreGrpc.getWatchMethod().getResponseMarshaller(), ValueOnceMethods::restore))
      .build();

  private ValueOnceMethods() {}

  /** {@code response} with {@code value} set from {@code kv.value} when the node left it out. */
  static GetResponse restore(GetResponse response) {
    if (!response.getValue().isEmpty() || response.getKv().getValue().isEmpty()) {
      return response;
    }
    return response.toBuilder().setValue(response.getKv().getValue()).build();
  }

  /** {@code event} with {@code value} set from {@code kv.value} when the node left it out. */
  static WatchResponse restore(WatchResponse event) {
    if (!event.getValue().isEmpty() || event.getKv().getValue().isEmpty()) {
      return event;
    }
    return event.toBuilder().setValue(event.getKv().getValue()).build();
  }

  private static <T> Marshaller<T> restoring(Marshaller<T> wire, UnaryOperator<T> restore) {
    return new Marshaller<>() {
      @Override
      public InputStream stream(T message) {
        return wire.stream(message);
      }

      @Override
      public T parse(InputStream stream) {
        return restore.apply(wire.parse(stream));
      }
    };
  }
}

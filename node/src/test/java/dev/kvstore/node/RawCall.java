package dev.kvstore.node;

import dev.kvstore.api.MemberHints;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client that sends raw bytes as request messages, as a client of another language (or a
 * broken one) can: no marshaller of ours checks them first.
 *
 * @param status    how the call ended
 * @param responses the raw response messages received before that
 */
record RawCall(Status status, List<byte[]> responses) {

  /** Messages as their bytes: the marshaller of the raw health check the nodes already share. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = MemberHints.HEALTH_CHECK.getRequestMarshaller();

  /** Bytes from hex text, spaces allowed: {@code "0a 07 62"}. */
  static byte[] hex(String text) {
    return HexFormat.of().parseHex(text.replace(" ", ""));
  }

  /** Calls {@code fullMethodName} (e.g. {@code kvstore.KvStore/Put}) with these messages, then half-closes. */
  static RawCall send(Channel channel, String fullMethodName, MethodType type, byte[]... messages) {
    return send(channel, fullMethodName, type, CallOptions.DEFAULT, messages);
  }

  /** As {@link #send(Channel, String, MethodType, byte[]...)}, with call options (e.g. compression). */
  static RawCall send(Channel channel, String fullMethodName, MethodType type, CallOptions options, byte[]... messages) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(BYTES, BYTES)
        .setFullMethodName(fullMethodName)
        .setType(type)
        .build();
    List<byte[]> responses = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = channel.newCall(method, options.withDeadlineAfter(30, TimeUnit.SECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        responses.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    if (options.getCompressor() != null) {
      call.setMessageCompression(true);
    }
    for (byte[] message : messages) {
      call.sendMessage(message);
    }
    call.halfClose();
    return new RawCall(closed.join(), List.copyOf(responses));
  }
}

package dev.kvstore.client;

import dev.kvstore.api.WriteOutcome;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;

/**
 * Watches one call's transport streams to tell, when the call fails, whether the request may have
 * reached a server: it was written to a stream, and the server's final status never came back.
 */
final class DeliveryTracer extends ClientStreamTracer.Factory {

  private volatile boolean requestWritten;
  private volatile boolean serverAnswered;
  private volatile boolean outcomeUnknown;

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
    return new ClientStreamTracer() {
      @Override
      public void outboundMessage(int seqNo) {
        requestWritten = true;
      }

      @Override
      public void inboundTrailers(Metadata trailers) {
        outcomeUnknown = WriteOutcome.isUnknown(trailers);
        serverAnswered = true;
      }
    };
  }

  /** True once the request was handed to a real connection (not just queued while connecting). */
  boolean requestWritten() {
    return requestWritten;
  }

  /** True once the server sent the call's final status: its outcome is then the server's word. */
  boolean serverAnswered() {
    return serverAnswered;
  }

  /** True when the server's final status says a failed write may still be applied. */
  boolean serverSaidOutcomeUnknown() {
    return outcomeUnknown;
  }
}

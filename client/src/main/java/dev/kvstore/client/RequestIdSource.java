package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.RequestId;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names the writes of one client: a random 16-byte client id chosen once, and a sequence that
 * starts at 1. The server applies each (client id, sequence) at most once.
 *
 * <p>The random id is drawn on the first write, not when the client is built: the first
 * {@link SecureRandom} of a process loads the security providers, a few milliseconds of a one-shot
 * CLI command that may only read (docs/benchmarks.md, "CLI start-up").
 */
final class RequestIdSource {

  private static final int CLIENT_ID_BYTES = 16;

  /** Null until the first write of a client whose id is random. */
  private volatile ByteString clientId;
  private final AtomicLong sequence = new AtomicLong();

  RequestIdSource() {}

  RequestIdSource(ByteString clientId) {
    if (clientId.size() != CLIENT_ID_BYTES) {
      throw new IllegalArgumentException("client id must be " + CLIENT_ID_BYTES + " bytes");
    }
    this.clientId = clientId;
  }

  /** A fresh id for a new logical write; its retries must reuse it. */
  RequestId next() {
    return RequestId.newBuilder()
        .setClientId(clientId())
        .setSequence(sequence.incrementAndGet())
        .build();
  }

  private ByteString clientId() {
    ByteString id = clientId;
    if (id == null) {
      synchronized (this) {
        if (clientId == null) {
          clientId = randomClientId();
        }
        id = clientId;
      }
    }
    return id;
  }

  private static ByteString randomClientId() {
    byte[] bytes = new byte[CLIENT_ID_BYTES];
    new SecureRandom().nextBytes(bytes);
    return ByteString.copyFrom(bytes);
  }
}

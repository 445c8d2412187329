package dev.kvstore.api;

import io.grpc.Metadata;

/**
 * The trailer a node adds to a failed write whose outcome it cannot know: the write reached Raft
 * but was not confirmed in time, so it may still be committed and applied later. Without the
 * trailer a failed write was definitely not applied. Part of the wire contract, like the protos.
 */
public final class WriteOutcome {

  /** Trailer key; its value is {@link #UNKNOWN}. */
  public static final Metadata.Key<String> KEY = Metadata.Key.of("kvstore-write-outcome", Metadata.ASCII_STRING_MARSHALLER);

  public static final String UNKNOWN = "unknown";

  private WriteOutcome() {}

  /** Trailers that mark a failed write as possibly applied. */
  public static Metadata unknown() {
    Metadata trailers = new Metadata();
    trailers.put(KEY, UNKNOWN);
    return trailers;
  }

  /** True when {@code trailers} say the write may have been applied. */
  public static boolean isUnknown(Metadata trailers) {
    return trailers != null && UNKNOWN.equals(trailers.get(KEY));
  }
}

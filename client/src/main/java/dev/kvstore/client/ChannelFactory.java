package dev.kvstore.client;

import io.grpc.ManagedChannel;

/**
 * Builds the channel for one endpoint. Building must not connect: {@link EndpointChannels} asks the
 * channel to connect when a call needs it. Injectable so that tests can make building slow.
 */
@FunctionalInterface
interface ChannelFactory {

  ManagedChannel open(Endpoint endpoint);

  /** Whether the channels speak TLS (for the explanation of failed handshakes, see {@link TlsMismatch}). */
  default boolean tls() {
    return false;
  }

  /** Releases what the factory shares between its channels, once all of them have terminated. */
  default void close() {}
}

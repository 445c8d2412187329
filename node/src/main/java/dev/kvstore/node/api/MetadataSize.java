package dev.kvstore.node.api;

import io.grpc.Metadata;

/**
 * The size of a call's metadata as HTTP/2 counts a header list (RFC 9113, SETTINGS_MAX_HEADER_LIST_SIZE):
 * each header's name and value in octets, plus 32. Binary ({@code -bin}) values count as sent,
 * base64-encoded.
 */
final class MetadataSize {

  private static final int PER_HEADER = 32;

  private MetadataSize() {}

  static long of(Metadata headers) {
    long bytes = 0;
    for (String key : headers.keys()) {
      // gRPC admits only ASCII header names: one byte per char.
      int name = key.length();
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] value : headers.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
          bytes += name + base64Length(value.length) + PER_HEADER;
        }
      } else {
        for (String value : headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          bytes += name + value.length() + PER_HEADER;
        }
      }
    }
    return bytes;
  }

  private static long base64Length(int bytes) {
    return 4L * ((bytes + 2) / 3);
  }
}

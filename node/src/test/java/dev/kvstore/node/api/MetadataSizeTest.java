package dev.kvstore.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetadataSizeTest {

  private static final Metadata.Key<String> TEXT = Metadata.Key.of("x-text", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> BINARY = Metadata.Key.of("x-data-bin", Metadata.BINARY_BYTE_MARSHALLER);

  @Test
  void noHeadersCountNothing() {
    assertThat(MetadataSize.of(new Metadata())).isZero();
  }

  @Test
  void eachHeaderCountsItsNameItsValueAnd32() {
    Metadata headers = new Metadata();
    headers.put(TEXT, "hello");
    headers.put(TEXT, "again!");

    assertThat(MetadataSize.of(headers)).isEqualTo((6 + 5 + 32) + (6 + 6 + 32));
  }

  @Test
  void binaryValuesCountAsSentInBase64() {
    Metadata headers = new Metadata();
    headers.put(BINARY, new byte[10]);
    headers.put(BINARY, new byte[9]);

    // 10 bytes are 16 base64 characters (padded), 9 bytes are 12.
    assertThat(MetadataSize.of(headers)).isEqualTo((10 + 16 + 32) + (10 + 12 + 32));
  }

  @Test
  void headersAsTheTransportHandsThemOverCountTheSame() {
    byte[][] received = {
        ascii("user-agent"), ascii("grpc-java-netty/1.85.1"),
        ascii("x-data-bin"), new byte[] {1, 2, 3, 4},
        ascii("authorization"), ascii("Bearer abc")};

    assertThat(MetadataSize.of(InternalMetadata.newMetadata(received)))
        .isEqualTo((10 + 22 + 32) + (10 + 8 + 32) + (13 + 10 + 32));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}

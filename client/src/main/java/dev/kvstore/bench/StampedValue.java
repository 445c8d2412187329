package dev.kvstore.bench;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Values that carry the moment their put was sent, so that whoever receives the change (a watcher
 * in the same process) knows how long delivery took: the first 8 bytes are the sender's
 * {@link System#nanoTime} (big-endian), the rest are {@link KeySpace#sampleValue} filler up to the
 * value size. Comparable only within one JVM, which is why a watch-latency run puts and watches
 * from the same process.
 */
public final class StampedValue {

  /** The smallest value that holds a stamp, in bytes. */
  public static final int STAMP_BYTES = Long.BYTES;

  private final byte[] template;

  /**
   * Values of {@code size} bytes.
   *
   * @throws IllegalArgumentException when {@code size} is below {@link #STAMP_BYTES}
   */
  public StampedValue(int size, long fillerSeed) {
    if (size < STAMP_BYTES) {
      throw new IllegalArgumentException("a value must hold its " + STAMP_BYTES + "-byte send time, got " + size);
    }
    this.template = KeySpace.sampleValue(size, fillerSeed);
  }

  /** A value stamped with {@code sentNanos}. */
  public ByteString stamped(long sentNanos) {
    byte[] value = Arrays.copyOf(template, template.length);
    ByteBuffer.wrap(value).putLong(0, sentNanos);
    return ByteString.copyFrom(value);
  }

  /**
   * The send time stamped in {@code value}.
   *
   * @throws IllegalArgumentException when the value is too short to hold one
   */
  public static long sentNanos(ByteString value) {
    if (value.size() < STAMP_BYTES) {
      throw new IllegalArgumentException("a value of " + value.size() + " bytes holds no send time");
    }
    return value.substring(0, STAMP_BYTES).asReadOnlyByteBuffer().getLong();
  }
}

package dev.kvstore.bench;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The keys a benchmark uses: {@code prefix} followed by the key's number, zero-padded to the width
 * of the largest so that they sort in number order ({@code bench/0000} to {@code bench/9999} for
 * 10,000 keys), and sample values of letters and digits (see {@link PutValues}).
 *
 * @param prefix put before every key's number, e.g. {@code bench/}
 * @param size how many keys (at least 1)
 */
public record KeySpace(String prefix, long size) {

  private static final String PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  public KeySpace {
    Objects.requireNonNull(prefix, "prefix");
    if (size < 1) {
      throw new IllegalArgumentException("a key space needs at least 1 key, got " + size);
    }
  }

  /** The key numbered {@code number} (0 to size minus one). */
  public String key(long number) {
    String digits = Long.toString(number);
    int width = Long.toString(size - 1).length();
    return prefix + "0".repeat(Math.max(0, width - digits.length())) + digits;
  }

  /**
   * {@code bytes} printable ASCII characters drawn from {@code seed}: the same bytes for the same
   * seed on every run and machine, readable in a terminal, and not all alike (so a store that
   * compresses values cannot shrink them to nothing).
   */
  public static byte[] sampleValue(int bytes, long seed) {
    if (bytes < 0) {
      throw new IllegalArgumentException("a value cannot have " + bytes + " bytes");
    }
    SplittableRandom random = new SplittableRandom(seed);
    byte[] value = new byte[bytes];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) PRINTABLE.charAt(random.nextInt(PRINTABLE.length()));
    }
    return value;
  }
}

package dev.kvstore.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The value bytes each put of a benchmark writes: of one {@link ValueKind} and one size. The n-th
 * value drawn depends only on the kind, the size, the seed and n, so a run with the same seed
 * writes the same sequence of values (which key gets which depends on the order answers arrive).
 * Thread-safe: puts are sent from whichever thread answered the previous request.
 */
public final class PutValues {

  // Golden-ratio increment (as SplittableRandom's): spreads consecutive put numbers over seeds.
  private static final long SEED_STEP = 0x9E3779B97F4A7C15L;

  private final ValueKind kind;
  private final int size;
  private final long seed;
  /** The one value of {@link ValueKind#TEMPLATE}; null for the other kinds. */
  private final ByteString template;
  private final AtomicLong drawn = new AtomicLong();

  private PutValues(ValueKind kind, int size, long seed, ByteString template) {
    this.kind = kind;
    this.size = size;
    this.seed = seed;
    this.template = template;
  }

  /**
   * Values of {@code kind}, each {@code size} bytes, drawn from {@code seed}.
   *
   * @throws IllegalArgumentException for a negative size
   */
  public static PutValues of(ValueKind kind, int size, long seed) {
    Objects.requireNonNull(kind, "kind");
    if (size < 0) {
      throw new IllegalArgumentException("a value cannot have " + size + " bytes");
    }
    ByteString template = kind == ValueKind.TEMPLATE ? ByteString.copyFrom(KeySpace.sampleValue(size, seed)) : null;
    return new PutValues(kind, size, seed, template);
  }

  /** {@code value} for every put (a {@link ValueKind#TEMPLATE} given by the caller). */
  public static PutValues always(ByteString value) {
    return new PutValues(ValueKind.TEMPLATE, value.size(), 0, Objects.requireNonNull(value, "value"));
  }

  public ValueKind kind() {
    return kind;
  }

  /** The size of every value, in bytes. */
  public int size() {
    return size;
  }

  /** The value of the next put. */
  public ByteString next() {
    if (kind == ValueKind.TEMPLATE) {
      return template;
    }
    long putSeed = seed + SEED_STEP * (drawn.getAndIncrement() + 1);
    if (kind == ValueKind.PRINTABLE) {
      return UnsafeByteOperations.unsafeWrap(KeySpace.sampleValue(size, putSeed));
    }
    byte[] bytes = new byte[size];
    new SplittableRandom(putSeed).nextBytes(bytes);
    // Nobody else holds the array: no copy needed.
    return UnsafeByteOperations.unsafeWrap(bytes);
  }
}

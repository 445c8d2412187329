package dev.kvstore.client;

import com.google.protobuf.ByteString;
import dev.kvstore.api.Compare;
import dev.kvstore.api.Compare.CompareResult;
import dev.kvstore.api.Compare.CompareTarget;
import dev.kvstore.api.RequestLimits;
import java.util.Objects;

/**
 * One condition of a {@link Txn} on a key (or on every key of a prefix or an interval, which must
 * all satisfy it), as etcd's {@code clientv3.Compare}: pick what to compare, then how, e.g.
 * {@code Cmp.modRevision("lock").equal(0)} (the key does not exist) or
 * {@code Cmp.value("config").equal("v2")}. An absent key has version, create and mod revision and
 * lease 0, and no value: a value comparison with an absent key is false whatever the operator.
 * Immutable.
 */
public final class Cmp {

  private final CompareTarget target;
  private final String key;
  private final String rangeEnd;
  private final boolean prefix;

  private Cmp(CompareTarget target, String key, String rangeEnd, boolean prefix) {
    this.target = target;
    this.key = Objects.requireNonNull(key, "key");
    this.rangeEnd = Objects.requireNonNull(rangeEnd, "rangeEnd");
    this.prefix = prefix;
  }

  /** Compares the value of {@code key} (bytes, unsigned lexicographic order). */
  public static Cmp value(String key) {
    return new Cmp(CompareTarget.VALUE, key, "", false);
  }

  /** Compares the number of writes to {@code key} since its creation (0: absent). */
  public static Cmp version(String key) {
    return new Cmp(CompareTarget.VERSION, key, "", false);
  }

  /** Compares the revision that created {@code key} (0: absent). */
  public static Cmp createRevision(String key) {
    return new Cmp(CompareTarget.CREATE, key, "", false);
  }

  /** Compares the revision of the last write to {@code key} (0: absent). */
  public static Cmp modRevision(String key) {
    return new Cmp(CompareTarget.MOD, key, "", false);
  }

  /** Compares the lease {@code key} is attached to (0: none, or absent). */
  public static Cmp lease(String key) {
    return new Cmp(CompareTarget.LEASE, key, "", false);
  }

  /** The same comparison over every key that starts with the key given ("" = every key). */
  public Cmp overPrefix() {
    return new Cmp(target, key, "", true);
  }

  /** The same comparison over the keys in [key, end); {@link RequestLimits#ALL_FROM_KEY} for every key from key on. */
  public Cmp overInterval(String end) {
    return new Cmp(target, key, end, false);
  }

  public Compare equal(long number) {
    return number(CompareResult.EQUAL, number);
  }

  public Compare notEqual(long number) {
    return number(CompareResult.NOT_EQUAL, number);
  }

  public Compare greater(long number) {
    return number(CompareResult.GREATER, number);
  }

  public Compare less(long number) {
    return number(CompareResult.LESS, number);
  }

  /** For {@link #value}: equal to the UTF-8 bytes of {@code text}. */
  public Compare equal(String text) {
    return bytes(CompareResult.EQUAL, ByteString.copyFromUtf8(Objects.requireNonNull(text, "text")));
  }

  public Compare equal(ByteString value) {
    return bytes(CompareResult.EQUAL, value);
  }

  public Compare notEqual(ByteString value) {
    return bytes(CompareResult.NOT_EQUAL, value);
  }

  public Compare greater(ByteString value) {
    return bytes(CompareResult.GREATER, value);
  }

  public Compare less(ByteString value) {
    return bytes(CompareResult.LESS, value);
  }

  /** @throws IllegalArgumentException for a value comparison */
  private Compare number(CompareResult result, long number) {
    Compare.Builder c = start(result);
    switch (target) {
      case VERSION -> c.setVersion(number);
      case CREATE -> c.setCreateRevision(number);
      case MOD -> c.setModRevision(number);
      case LEASE -> c.setLease(number);
      default -> throw new IllegalArgumentException("a value comparison compares bytes, not a number");
    }
    return c.build();
  }

  /** @throws IllegalArgumentException for a comparison of a number */
  private Compare bytes(CompareResult result, ByteString value) {
    if (target != CompareTarget.VALUE) {
      throw new IllegalArgumentException("a " + target + " comparison compares a number, not bytes");
    }
    return start(result).setValue(Objects.requireNonNull(value, "value")).build();
  }

  private Compare.Builder start(CompareResult result) {
    return Compare.newBuilder().setKey(key).setRangeEnd(rangeEnd).setPrefix(prefix).setTarget(target)
        .setResult(result);
  }
}

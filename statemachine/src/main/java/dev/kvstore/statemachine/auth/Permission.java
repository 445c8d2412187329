package dev.kvstore.statemachine.auth;

import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.proto.StoredPermission;
import java.util.Objects;

/**
 * A role's access to one key, a prefix or an interval, as etcd's role permissions.
 *
 * @param type  what it allows
 * @param range the keys it covers
 */
public record Permission(Type type, KeyRange range) {

  /** Read, write or both, as etcd's {@code permType}. */
  public enum Type {
    READ,
    WRITE,
    READWRITE;

    /** Whether this type allows {@code access}. */
    public boolean grants(Access access) {
      return this == READWRITE || name().equals(access.name());
    }
  }

  public Permission {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(range, "range");
  }

  /**
   * The permission a command or a snapshot carries.
   *
   * @throws IllegalArgumentException when its key / range_end / prefix is not a valid range ({@link KeyRange#of})
   */
  public static Permission of(StoredPermission stored) {
    Type type = switch (stored.getType()) {
      case READ -> Type.READ;
      case WRITE -> Type.WRITE;
      case READWRITE -> Type.READWRITE;
      case UNRECOGNIZED -> throw new IllegalArgumentException("unknown permission type " + stored.getTypeValue());
    };
    return new Permission(type, KeyRange.of(stored.getKey(), stored.getRangeEnd(), stored.getPrefix()));
  }

  /** As commands and snapshots carry it. */
  public StoredPermission toStored() {
    StoredPermission.Builder b = StoredPermission.newBuilder()
        .setType(StoredPermission.Type.valueOf(type.name()))
        .setKey(range.start());
    switch (range.kind()) {
      case KEY -> { }
      case PREFIX -> b.setPrefix(true);
      case INTERVAL -> b.setRangeEnd(range.end() == null ? KeyRange.ALL_FROM_KEY : range.end());
    }
    return b.build();
  }

  /** The range in words, for messages: "key 'a'", "keys with prefix 'a/'", "keys in ['a', 'b')". */
  public static String describe(KeyRange range) {
    return switch (range.kind()) {
      case KEY -> "key '" + range.start() + "'";
      case PREFIX -> range.start().isEmpty() ? "every key" : "keys with prefix '" + range.start() + "'";
      case INTERVAL -> range.end() == null ? "keys from '" + range.start() + "' on"
          : "keys in ['" + range.start() + "', '" + range.end() + "')";
    };
  }
}

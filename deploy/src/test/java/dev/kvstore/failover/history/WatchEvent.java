package dev.kvstore.failover.history;

import java.util.Objects;

/**
 * One change notification as a watcher received it.
 *
 * @param value    the new value for PUT; null for DELETE
 * @param revision the store revision of the change
 */
public record WatchEvent(String key, Type type, String value, long revision) {

  /** The kind of change. */
  public enum Type { PUT, DELETE }

  public WatchEvent {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
  }

  public static WatchEvent put(String key, String value, long revision) {
    return new WatchEvent(key, Type.PUT, value, revision);
  }

  public static WatchEvent delete(String key, long revision) {
    return new WatchEvent(key, Type.DELETE, null, revision);
  }

  @Override
  public String toString() {
    return (type == Type.PUT ? "PUT " + key + " = " + Operation.quote(value) : "DELETE " + key) + " r" + revision;
  }
}

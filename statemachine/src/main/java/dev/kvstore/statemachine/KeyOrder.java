package dev.kvstore.statemachine;

import java.util.Comparator;

/**
 * Orders keys by Unicode code point, which is the order of their UTF-8 bytes (etcd's order).
 * {@link String#compareTo} compares UTF-16 units and would sort U+E000..U+FFFF after supplementary
 * characters, which no byte-ordered client or future paging cursor would expect.
 */
public final class KeyOrder implements Comparator<String> {

  /** The one instance: the order has no settings. */
  public static final KeyOrder INSTANCE = new KeyOrder();

  private KeyOrder() {}

  @Override
  public int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        if (Character.isSurrogate(ca) || Character.isSurrogate(cb)) {
          return Integer.compare(a.codePointAt(i), b.codePointAt(i));
        }
        return Character.compare(ca, cb);
      }
    }
    return Integer.compare(a.length(), b.length());
  }
}

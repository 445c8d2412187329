package dev.kvstore.client;

import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.ReadConsistency;
import java.util.Objects;

/**
 * What to list: the keys under a prefix, after a key, how many at most, and how consistently.
 * Immutable; start from {@link #all()} or {@link #forPrefix} and adjust with the {@code with}
 * methods, e.g. {@code GetAllOptions.forPrefix("config/").withLimit(100)}.
 *
 * <p>Keys are in the order of their UTF-8 bytes (Unicode code point order, as in etcd), which is
 * not {@link String#compareTo}'s order for keys with characters beyond U+FFFF.
 *
 * @param prefix only keys that start with it; empty = every key
 * @param startAfter only keys after this one (to resume after the last key seen); empty = from
 *     the first key of the prefix
 * @param limit the most entries wanted in total; 0 = every matching entry. One response (a page)
 *     never holds more than {@value #MAX_PAGE_ENTRIES} entries or about 3 MiB, whatever the limit
 * @param consistency {@code LINEARIZABLE} (the default) or {@code SERIALIZABLE}, for each page
 */
public record GetAllOptions(String prefix, String startAfter, long limit, ReadConsistency consistency) {

  /** The most entries the server puts in one page (README, "Limits"); a page also stops at about 3 MiB. */
  public static final int MAX_PAGE_ENTRIES = 10_000;

  /**
   * Validates the options.
   *
   * @throws IllegalArgumentException for a negative limit or an unknown consistency
   */
  public GetAllOptions {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(startAfter, "startAfter");
    Objects.requireNonNull(consistency, "consistency");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = every entry), got " + limit);
    }
    if (consistency == ReadConsistency.UNRECOGNIZED) {
      throw new IllegalArgumentException("consistency must be LINEARIZABLE or SERIALIZABLE");
    }
  }

  /** Every key, linearizably, without a limit. */
  public static GetAllOptions all() {
    return forPrefix("");
  }

  /** Every key that starts with {@code prefix}, linearizably, without a limit. */
  public static GetAllOptions forPrefix(String prefix) {
    return new GetAllOptions(prefix, "", 0, ReadConsistency.LINEARIZABLE);
  }

  /** The same listing, only keys after {@code key} (empty = from the start). */
  public GetAllOptions withStartAfter(String key) {
    return new GetAllOptions(prefix, key, limit, consistency);
  }

  /** The same listing, at most {@code limit} entries in total (0 = every entry). */
  public GetAllOptions withLimit(long limit) {
    return new GetAllOptions(prefix, startAfter, limit, consistency);
  }

  /** The same listing, read with {@code consistency}. */
  public GetAllOptions withConsistency(ReadConsistency consistency) {
    return new GetAllOptions(prefix, startAfter, limit, consistency);
  }

  /**
   * The request for one page after {@code after} that holds at most {@code wanted} entries
   * ({@code wanted} >= 1; 0 or any number from a full page up asks for the server's maximum, so
   * the request stays valid whatever that maximum is).
   */
  GetAllRequest pageRequest(String after, long wanted) {
    return GetAllRequest.newBuilder()
        .setPrefix(prefix)
        .setStartAfter(after)
        .setLimit(wanted > 0 && wanted < MAX_PAGE_ENTRIES ? wanted : 0)
        .setConsistency(consistency)
        .build();
  }
}

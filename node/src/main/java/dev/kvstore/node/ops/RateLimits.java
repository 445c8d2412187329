package dev.kvstore.node.ops;

/**
 * The per-caller rate limit of a node's client API ({@link RateLimiting}): a token bucket per
 * authenticated user, or per client address (host) for calls without a user.
 *
 * @param requestsPerSecond tokens added to each bucket per second; 0 turns the limit off
 * @param burst             a bucket's capacity: calls a caller that was idle may make at once
 */
public record RateLimits(long requestsPerSecond, long burst) {

  /** No limit. */
  public static final RateLimits OFF = new RateLimits(0, 0);

  /** A limit of {@code requestsPerSecond} with a burst of twice that: room for a short spike. */
  public static RateLimits perSecond(long requestsPerSecond) {
    return new RateLimits(requestsPerSecond, Math.multiplyExact(2, requestsPerSecond));
  }

  /** True when calls are limited at all. */
  public boolean on() {
    return requestsPerSecond > 0;
  }

  /**
   * @throws IllegalArgumentException naming the flag and what is allowed
   */
  public RateLimits validate() {
    if (requestsPerSecond < 0) {
      throw new IllegalArgumentException("--rate-limit is " + requestsPerSecond
          + "; give requests per second per user or client address, or 0 for no limit");
    }
    if (on() && burst < 1) {
      throw new IllegalArgumentException("--rate-limit-burst is " + burst
          + "; with a rate limit it must be at least 1 (default: twice --rate-limit)");
    }
    return this;
  }
}

package dev.kvstore.client;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The pages of one read, fetched one at a time when asked for, until {@link #fetch} says the last
 * one has come ({@link #finish}): what {@link GetAllPages} and {@link RangePages} share. Holds at
 * most one page. Not thread-safe.
 *
 * @param <P> the response type of one page
 */
abstract class LazyPages<P> implements Iterator<P> {

  private P fetched;
  private boolean finished;

  /**
   * Fetches the next page (one call, with failover); calls {@link #finish} when no page follows it.
   *
   * @throws KvClientException if the call fails
   */
  abstract P fetch();

  /** Marks the page being fetched as the last. */
  final void finish() {
    finished = true;
  }

  /**
   * Whether another page follows; fetches it if it has not been fetched yet.
   *
   * @throws KvClientException if that page's call fails (after failover, as any read)
   */
  @Override
  public final boolean hasNext() {
    if (fetched == null && !finished) {
      fetched = fetch();
    }
    return fetched != null;
  }

  /**
   * The next page.
   *
   * @throws KvClientException if that page's call fails
   * @throws NoSuchElementException after the last page
   */
  @Override
  public final P next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the read has ended");
    }
    P page = fetched;
    fetched = null;
    return page;
  }
}

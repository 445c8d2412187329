package dev.kvstore.client;

import dev.kvstore.api.GetAllRequest;
import dev.kvstore.api.GetAllResponse;
import io.grpc.Status;
import java.util.function.Function;

/**
 * The pages of one listing, fetched one at a time when asked for: each page asks for the keys after
 * the last key of the previous one ({@code start_after}), as many as are still wanted, until a
 * page says there is no more ({@code more} false) or the limit is reached. Holds at most one page.
 * The first page is always returned, even when it is empty, so its count and revision are known.
 * Not thread-safe.
 */
final class GetAllPages extends LazyPages<GetAllResponse> {

  private final GetAllOptions options;
  private final Function<GetAllRequest, GetAllResponse> fetchPage;
  private String cursor;
  private long wanted;

  /**
   * @param options what to list; its limit is the total
   * @param fetchPage one GetAll call (with failover); throws {@link KvClientException}
   */
  GetAllPages(GetAllOptions options, Function<GetAllRequest, GetAllResponse> fetchPage) {
    this.options = options;
    this.fetchPage = fetchPage;
    this.cursor = options.startAfter();
    this.wanted = options.limit() == 0 ? Long.MAX_VALUE : options.limit();
  }

  @Override
  GetAllResponse fetch() {
    GetAllResponse page = fetchPage.apply(options.pageRequest(cursor, wanted));
    wanted -= page.getKvsCount();
    if (!page.getMore() || wanted <= 0) {
      finish();
    } else if (page.getKvsCount() == 0) {
      // Asking again would get the same answer forever; a server that keeps its contract never
      // sends this (a page always holds at least one entry when more follow).
      throw new KvClientException(Status.Code.INTERNAL,
          "GetAll: the server answered an empty page with more = true after key '" + cursor
              + "'; the listing cannot make progress",
          false, null);
    } else {
      cursor = page.getKvs(page.getKvsCount() - 1).getKey();
    }
    return page;
  }
}

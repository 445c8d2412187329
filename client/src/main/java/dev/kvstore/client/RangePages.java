package dev.kvstore.client;

import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import io.grpc.Status;
import java.util.function.Function;

/**
 * The pages of one Range read, fetched one at a time when asked for: each page passes the previous
 * page's {@code next_page_token}, so every page is at the revision of the first one (one consistent
 * cut), asking for as many entries as are still wanted, until a page says there is no more or the
 * limit is reached. Holds at most one page. The first page is always returned, even when it is
 * empty, so its count and revision are known. Not thread-safe.
 */
final class RangePages extends LazyPages<RangeResponse> {

  private final RangeOptions options;
  private final Function<RangeRequest, RangeResponse> fetchPage;
  private String token = "";
  private long wanted;

  /**
   * @param options what to read; its limit is the total
   * @param fetchPage one Range call (with failover); throws {@link KvClientException}
   */
  RangePages(RangeOptions options, Function<RangeRequest, RangeResponse> fetchPage) {
    this.options = options;
    this.fetchPage = fetchPage;
    this.wanted = options.limit() == 0 ? Long.MAX_VALUE : options.limit();
  }

  @Override
  RangeResponse fetch() {
    RangeResponse page = fetchPage.apply(options.pageRequest(token, wanted));
    wanted -= page.getKvsCount();
    if (!page.getMore() || wanted <= 0) {
      finish();
    } else if (page.getNextPageToken().isEmpty()) {
      // Asking again would get the same answer forever; a server that keeps its contract always
      // sends a token with more = true.
      throw new KvClientException(Status.Code.INTERNAL,
          "Range: the server answered more = true without a next_page_token; the read cannot go on", false, null);
    } else {
      token = page.getNextPageToken();
    }
    return page;
  }
}

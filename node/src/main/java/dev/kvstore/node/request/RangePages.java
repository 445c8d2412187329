package dev.kvstore.node.request;

import dev.kvstore.api.RangePageToken;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.SortOrder;
import dev.kvstore.statemachine.FutureRevisionException;
import dev.kvstore.statemachine.RangeQuery;
import dev.kvstore.statemachine.RangeResult;
import dev.kvstore.statemachine.ReadView;
import dev.kvstore.statemachine.RevisionCompactedException;
import dev.kvstore.statemachine.RevisionUnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Answers a {@code RangeRequest} with one page read from this node's store, whatever consistency
 * brought it here ({@link RaftKv} waits for the read barrier first). A page holds at most the
 * request's limit ({@link RequestLimits#MAX_RANGE_LIMIT} for 0) and about
 * {@link RequestLimits#MAX_RANGE_BYTES}; when more follows, its {@code next_page_token}
 * ({@link RangePageToken}) names the revision of the first page and the last key returned, so every
 * page of a read is at that revision: together they are one consistent cut.
 *
 * <p>Statuses: OUT_OF_RANGE for a revision in the future or compacted, naming the revisions that
 * can be read (for a paged read whose revision was compacted meanwhile: start over);
 * UNAVAILABLE when a paged read comes to a node that has not applied its revision yet (another
 * node answered the first page; a retry, here or elsewhere, will do); INVALID_ARGUMENT for a token
 * that does not fit the store. Read at a past revision only as far as the store retains history.
 */
public final class RangePages {

  private final ReadView store;
  private final ResponseHeaders headers;

  /** Pages read from {@code store}, each with a header from {@code headers}. */
  public RangePages(ReadView store, ResponseHeaders headers) {
    this.store = store;
    this.headers = headers;
  }

  /**
   * One page of {@code request}, which {@link RequestLimits#check(RangeRequest)} has accepted.
   *
   * @throws StatusRuntimeException with the statuses of the class comment
   */
  RangeResponse page(RangeRequest request) {
    RangePageToken token = request.getPageToken().isEmpty() ? null : RangePageToken.of(request);
    RangeResult result;
    try {
      result = query(request, token).run(store);
    } catch (FutureRevisionException e) {
      throw unreached(token, request.getRevision(), e);
    } catch (RevisionCompactedException e) {
      throw compacted(token, request.getRevision(), e);
    } catch (RevisionUnavailableException e) {
      throw new IllegalStateException("a revision is unavailable because it is compacted or in the future", e);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription("page_token does not fit this read: " + e.getMessage())
          .asRuntimeException();
    }
    RangeResponse.Builder response = RangeResponse.newBuilder()
        .setHeader(headers.at(result.revision()))
        .setMore(result.more())
        .setCount(result.count());
    result.kvs().forEach(kv -> response.addKvs(ApiMapping.toApi(kv)));
    if (result.more()) {
      String last = result.kvs().get(result.kvs().size() - 1).key();
      response.setNextPageToken(RangePageToken.after(request, result.revision(), last).encode());
    }
    return response.build();
  }

  /** The request on the state machine's terms: a sort order of NONE with a sort target means ASCEND, as in etcd. */
  private static RangeQuery query(RangeRequest request, RangePageToken token) {
    RangeQuery.SortTarget target = switch (request.getSortTarget()) {
      case KEY, UNRECOGNIZED -> RangeQuery.SortTarget.KEY;
      case VERSION -> RangeQuery.SortTarget.VERSION;
      case CREATE -> RangeQuery.SortTarget.CREATE;
      case MOD -> RangeQuery.SortTarget.MOD;
      case VALUE -> RangeQuery.SortTarget.VALUE;
    };
    RangeQuery.Order order = request.getSortOrder() == SortOrder.DESCEND ? RangeQuery.Order.DESCEND
        : RangeQuery.Order.ASCEND;
    int limit = request.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : (int) request.getLimit();
    return new RangeQuery(ApiMapping.keyRange(request.getKey(), request.getRangeEnd(), request.getPrefix()),
        token == null ? request.getRevision() : token.revision(), limit, RequestLimits.MAX_RANGE_BYTES, order, target,
        request.getKeysOnly(), request.getCountOnly(), token == null ? null : token.lastKey());
  }

  private StatusRuntimeException unreached(RangePageToken token, long requested, FutureRevisionException e) {
    if (token != null) {
      return Status.UNAVAILABLE.withDescription("this node has applied up to revision " + e.currentRevision()
          + ", not yet revision " + token.revision() + " that this paged read is at; retry (here or on another node)")
          .asRuntimeException();
    }
    return Status.OUT_OF_RANGE.withDescription("revision " + requested + " is in the future: the revisions that can"
        + " be read are " + available(e.currentRevision()) + ", or 0 for the current one").asRuntimeException();
  }

  private StatusRuntimeException compacted(RangePageToken token, long requested, RevisionCompactedException e) {
    if (token != null) {
      return Status.OUT_OF_RANGE.withDescription("revision " + token.revision() + ", which this paged read is at, has"
          + " been compacted meanwhile (the oldest revision that can be read is " + e.oldestAvailableRevision()
          + "); start the read over without page_token").asRuntimeException();
    }
    return Status.OUT_OF_RANGE.withDescription("revision " + requested + " has been compacted: the revisions that can"
        + " be read are " + available(store.currentRevision()) + ", or 0 for the current one").asRuntimeException();
  }

  private String available(long current) {
    if (current == 0) {
      return "none yet (nothing was ever written)";
    }
    return Math.max(1, store.compactedRevision()) + " to " + current;
  }
}

/**
 * The request layer between the gRPC adapters and Raft, as etcd's {@code RaftKV}: {@code KvRequests}
 * and {@code LeaseRequests} take a request message and the time it may wait, and complete a future
 * with the response or a failed status ({@code RaftFailures}). {@code RaftKv} and {@code
 * RaftLeases} implement them over one Raft group and hold the write protocol (command, submit, wait
 * for the local apply, response) and the read protocol (barrier or not, read local memory); also
 * here: paged ranges ({@code RangePages}), response headers, the request budget and the mapping
 * between the state machine's types and the API messages ({@code ApiMapping}, {@code TxnMapping}).
 *
 * <p>This package knows no transport: no observers, calls or stubs (failures are gRPC statuses,
 * the only gRPC type it uses). It reaches Raft only through {@link dev.kvstore.node.raft}.
 */
package dev.kvstore.node.request;

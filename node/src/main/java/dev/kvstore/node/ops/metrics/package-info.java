/**
 * A node's metrics, listed in {@code docs/metrics.md}: one Micrometer registry per node, put
 * together by {@code NodeMetrics} and served in the Prometheus format by {@code MetricsEndpoint}.
 * {@code RpcMetrics} times every gRPC call, {@code RaftMetrics} reads the member ({@code
 * RaftStatus}) and the queues at scrape time, {@code StateMachineMetrics} observes the state
 * machine. Nothing here changes what a node does.
 */
package dev.kvstore.node.ops.metrics;

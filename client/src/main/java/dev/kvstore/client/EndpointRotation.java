package dev.kvstore.client;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints in round-robin order with a sticky preference: calls start on the endpoint that
 * last worked and move to the next one only when it fails.
 */
final class EndpointRotation {

  private final List<Endpoint> endpoints;
  private final AtomicInteger preferred = new AtomicInteger();

  EndpointRotation(List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    this.endpoints = List.copyOf(endpoints);
  }

  int size() {
    return endpoints.size();
  }

  List<Endpoint> endpoints() {
    return endpoints;
  }

  /** Position of the endpoint a new call should try first. */
  int preferred() {
    return preferred.get();
  }

  Endpoint at(int position) {
    return endpoints.get(position);
  }

  /** The position of {@code endpoint}, or -1 when it is not one of these endpoints. */
  int positionOf(Endpoint endpoint) {
    return endpoints.indexOf(endpoint);
  }

  /**
   * Records that the endpoint at {@code position} failed and returns the position to try next.
   * When concurrent calls fail on the same endpoint it advances once, and a call whose endpoint
   * another call already moved away from follows that call's choice.
   */
  int failed(int position) {
    int next = (position + 1) % endpoints.size();
    if (preferred.compareAndSet(position, next)) {
      return next;
    }
    int current = preferred.get();
    return current == position ? next : current;
  }

  /** Records that the endpoint at {@code position} answered, so that later calls start there. */
  void succeeded(int position) {
    preferred.set(position);
  }
}

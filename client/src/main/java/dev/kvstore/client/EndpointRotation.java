package dev.kvstore.client;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints in round-robin order with a sticky preference: calls start on the endpoint that
 * last worked and move to the next one only when it fails. Endpoints learned later (members added
 * to the cluster, see {@link MemberDiscovery}) are appended: a position, once given, always names
 * the same endpoint.
 */
final class EndpointRotation {

  /** At most this many endpoints: a cluster's members, with room for replacements. */
  static final int MAX_ENDPOINTS = 32;

  private final List<Endpoint> endpoints;
  private final AtomicInteger preferred = new AtomicInteger();

  EndpointRotation(List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    this.endpoints = new CopyOnWriteArrayList<>(List.copyOf(endpoints));
  }

  /** Appends {@code endpoint} unless it is here already or the rotation is full; true if it was added. */
  synchronized boolean add(Endpoint endpoint) {
    if (endpoints.contains(endpoint) || endpoints.size() >= MAX_ENDPOINTS) {
      return false;
    }
    endpoints.add(endpoint);
    return true;
  }

  int size() {
    return endpoints.size();
  }

  /** The endpoints now, in rotation order. */
  List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
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

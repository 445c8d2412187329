package dev.kvstore.node.request;

import java.time.Duration;
import java.util.Objects;

/**
 * What every call of the request layer carries besides its request: who asks and how long it may
 * take.
 *
 * @param user the authenticated user the request acts for; empty while authentication is off. Writes
 *             carry it into the log, where apply checks it against the permissions of that point
 *             of the log (see {@code dev.kvstore.statemachine.CommandPermissions}).
 * @param timeout the longest the request may wait for a leader, a quorum, a read barrier and the apply
 */
public record RequestContext(String user, Duration timeout) {

  public RequestContext {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(timeout, "timeout");
  }
}

package dev.kvstore.node.auth;

import io.grpc.Context;

/**
 * Who the current call acts for, as {@link Authentication} established it, in the call's gRPC
 * context: the user name, or empty while authentication is off (or for the few calls that need no
 * identity, such as {@code Authenticate}).
 */
public final class CallerIdentity {

  /** The user of the current call; absent means none. */
  static final Context.Key<String> USER = Context.key("kvstore-user");

  private CallerIdentity() {}

  /** The user of the current call, or "" for none. Must run where the call's context is current. */
  public static String current() {
    String user = USER.get();
    return user == null ? "" : user;
  }
}

package dev.kvstore.client;

import java.util.Objects;

/** A server address as the user wrote it: {@code host:port}, or {@code [v6-address]:port}. */
record Endpoint(String host, int port) {

  Endpoint {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("endpoint has an empty host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port out of range 1-65535: " + port);
    }
  }

  /** Parses {@code host:port}; throws IllegalArgumentException naming the bad text. */
  static Endpoint parse(String text) {
    String trimmed = Objects.requireNonNull(text, "endpoint").trim();
    int colon = trimmed.lastIndexOf(':');
    if (colon <= 0 || colon == trimmed.length() - 1) {
      throw new IllegalArgumentException("endpoint must be host:port, got '" + text + "'");
    }
    String host = trimmed.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      // An IPv6 literal without brackets makes the port ambiguous.
      throw new IllegalArgumentException("IPv6 endpoint must be [address]:port, got '" + text + "'");
    }
    int port;
    try {
      port = Integer.parseInt(trimmed.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number in '" + text + "'", e);
    }
    try {
      return new Endpoint(host, port);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " in '" + text + "'", e);
    }
  }

  // equals and hashCode written out: a record's generated ones bootstrap method handles on first
  // use, milliseconds of a one-shot CLI command, which compares endpoints before its first call.
  @Override
  public boolean equals(Object other) {
    return other instanceof Endpoint endpoint && port == endpoint.port && host.equals(endpoint.host);
  }

  @Override
  public int hashCode() {
    return 31 * host.hashCode() + port;
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}

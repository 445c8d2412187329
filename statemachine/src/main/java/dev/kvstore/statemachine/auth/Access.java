package dev.kvstore.statemachine.auth;

/** What a request does with the keys it names: the two kinds of access a permission grants. */
public enum Access {
  READ,
  WRITE;

  /** "read" or "write", for messages. */
  public String verb() {
    return name().toLowerCase();
  }
}

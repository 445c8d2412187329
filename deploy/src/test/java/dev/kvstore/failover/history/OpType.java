package dev.kvstore.failover.history;

/** What a client operation asked of one key. */
public enum OpType {
  READ,
  WRITE,
  /** A write of "absent": afterwards reads of the key return no value. */
  DELETE;

  /** True for the operations that change the register: WRITE and DELETE. */
  public boolean isWrite() {
    return this != READ;
  }
}

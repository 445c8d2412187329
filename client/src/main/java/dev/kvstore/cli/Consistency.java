package dev.kvstore.cli;

import dev.kvstore.api.ReadConsistency;

/** The read consistencies a user can ask for (the proto enum also has UNRECOGNIZED). */
enum Consistency {
  LINEARIZABLE(ReadConsistency.LINEARIZABLE),
  SERIALIZABLE(ReadConsistency.SERIALIZABLE);

  private final ReadConsistency proto;

  Consistency(ReadConsistency proto) {
    this.proto = proto;
  }

  ReadConsistency toProto() {
    return proto;
  }
}

package dev.kvstore.failover.history;

import java.util.BitSet;

/**
 * A point of the linearization search: which operations are linearized and what the register
 * holds. Every path that reaches the same point has the same future, so only one is explored.
 *
 * <p>The mandatory operations are stored compactly as the index of the first one not linearized
 * plus the bits after it: operations are indexed by invocation time and get linearized roughly in
 * that order, so this keeps each remembered point to a few words even for long histories.
 *
 * @param firstOpen     the lowest index of a mandatory operation that is not linearized
 * @param openWindow    which mandatory operations from {@code firstOpen} on are linearized
 * @param optionalDone  which optional operations are linearized
 * @param register      the interned register value
 */
record SearchPoint(int firstOpen, BitSet openWindow, BitSet optionalDone, int register) {

  /** A point that does not share its bit sets with the caller, who keeps mutating them. */
  static SearchPoint of(BitSet mandatoryDone, BitSet optionalDone, int register) {
    int firstOpen = mandatoryDone.nextClearBit(0);
    return new SearchPoint(firstOpen, mandatoryDone.get(firstOpen, Math.max(firstOpen, mandatoryDone.length())),
        (BitSet) optionalDone.clone(), register);
  }
}

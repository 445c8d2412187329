package dev.kvstore.failover.history;

/**
 * What the search of one key found.
 *
 * @param maxDepth the most operations linearized at once
 * @param deepest  where the search got stuck with the most operations placed; null when it never
 *                 got stuck
 */
record SearchOutcome(CheckResult.Verdict verdict, long statesExplored, int maxDepth, DeadEnd deepest) {
}

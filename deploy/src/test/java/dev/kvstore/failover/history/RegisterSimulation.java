package dev.kvstore.failover.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Simulated clients against a real sequential register per key: each operation takes effect at a
 * random instant inside its recorded interval, so the histories are linearizable by construction.
 *
 * @param processes     concurrent clients, each with one operation in flight at a time
 * @param keys          how many keys the clients spread their operations over
 * @param opsPerProcess operations each client runs
 * @param maxLatency    the longest time from invocation to effect, and from effect to response;
 *                      larger than {@code maxThink} makes operations of different clients overlap
 * @param maxThink      the longest pause of a client between two operations
 * @param unknownRate   chance that an operation times out; half of such writes still take effect,
 *                      possibly long after the timeout
 * @param failRate      chance that an operation is rejected and does not take effect
 * @param valueAlphabet 0 to write a new value each time, as the failover suite does; otherwise
 *                      writes pick one of this many values, so that reads are ambiguous
 */
record RegisterSimulation(int processes, int keys, int opsPerProcess, long maxLatency, long maxThink,
    double unknownRate, double failRate, int valueAlphabet) {

  /** A realistic mix with some overlap and a few timeouts and rejections. */
  static RegisterSimulation of(int processes, int keys, int opsPerProcess) {
    return new RegisterSimulation(processes, keys, opsPerProcess, 50, 20, 0.03, 0.03, 0);
  }

  /** The same clients, writing only a few distinct values. */
  RegisterSimulation withValueAlphabet(int values) {
    return new RegisterSimulation(processes, keys, opsPerProcess, maxLatency, maxThink, unknownRate, failRate, values);
  }

  /** An operation with the instant it takes effect, or {@code NEVER}. */
  private record Planned(Operation recorded, long effectNanos) {
  }

  private static final long NEVER = Long.MAX_VALUE;

  History run(Random random) {
    List<Planned> planned = new ArrayList<>();
    long id = 1;
    for (int process = 0; process < processes; process++) {
      long now = random.nextInt(10);
      for (int i = 0; i < opsPerProcess; i++) {
        long invoke = now + random.nextLong(maxThink + 1);
        long effect = invoke + random.nextLong(maxLatency + 1);
        long complete = effect + 1 + random.nextLong(maxLatency);
        OpType type = randomType(random);
        String key = "k" + random.nextInt(keys);
        String value = type != OpType.WRITE ? null
            : valueAlphabet == 0 ? "p" + process + "-" + i
            : "v" + random.nextInt(valueAlphabet);
        Outcome outcome = randomOutcome(random);
        if (outcome == Outcome.FAIL) {
          effect = NEVER;
        } else if (outcome == Outcome.UNKNOWN) {
          // The client gives up at `complete`; the write may still be applied much later, or never.
          boolean applied = type.isWrite() && random.nextBoolean();
          effect = applied ? invoke + random.nextLong(20 * maxLatency) : NEVER;
        }
        planned.add(new Planned(new Operation(id++, process, type, key, value, invoke, complete, outcome), effect));
        now = complete;
      }
    }
    return History.of(applyInEffectOrder(planned));
  }

  private List<Operation> applyInEffectOrder(List<Planned> planned) {
    List<Planned> inEffectOrder = new ArrayList<>(planned);
    inEffectOrder.sort(Comparator.comparingLong(Planned::effectNanos)
        .thenComparingLong(p -> p.recorded().id()));
    Map<String, String> register = new HashMap<>();
    List<Operation> recorded = new ArrayList<>();
    for (Planned p : inEffectOrder) {
      Operation op = p.recorded();
      if (p.effectNanos() != NEVER) {
        switch (op.type()) {
          case WRITE -> register.put(op.key(), op.value());
          case DELETE -> register.remove(op.key());
          case READ -> op = new Operation(op.id(), op.process(), op.type(), op.key(), register.get(op.key()),
              op.invokeNanos(), op.completeNanos(), op.outcome());
        }
      }
      recorded.add(op);
    }
    return recorded;
  }

  private static OpType randomType(Random random) {
    int dice = random.nextInt(10);
    return dice < 5 ? OpType.READ : dice < 9 ? OpType.WRITE : OpType.DELETE;
  }

  private Outcome randomOutcome(Random random) {
    double dice = random.nextDouble();
    return dice < failRate ? Outcome.FAIL : dice < failRate + unknownRate ? Outcome.UNKNOWN : Outcome.OK;
  }
}

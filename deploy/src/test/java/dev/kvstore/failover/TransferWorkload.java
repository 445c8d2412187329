package dev.kvstore.failover;

import static org.awaitility.Awaitility.await;

import dev.kvstore.api.DeleteRangeRequest;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.RangeRequest;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.TxnResponse;
import dev.kvstore.client.Cmp;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.Op;
import dev.kvstore.client.RangeOptions;
import dev.kvstore.client.Txn;
import dev.kvstore.failover.store.StoreTimeline;
import dev.kvstore.failover.store.TxnForm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Clients moving units between accounts with multi-key compare-and-swap transactions while faults
 * happen, so that the total stays constant only if every transaction is atomic and isolated: read
 * all accounts, then {@code if mod_revision(from) == m1 && mod_revision(to) == m2 then put both else
 * get both}. Beside the transfers: range reads at past revisions, puts, a create-if-absent
 * transaction and DeleteRange of a scratch prefix. Every call is recorded in the store history;
 * written values are unique ({@code balance/writer}), which the whole-store check relies on to match
 * writes with an unknown outcome.
 */
final class TransferWorkload implements AutoCloseable {

  static final int ACCOUNTS = 4;
  static final long OPENING_BALANCE = 100;
  /** Process numbers of this workload's clients start here, apart from the other workloads'. */
  private static final int FIRST_PROCESS = 100;
  private static final int SCRATCH_KEYS = 3;

  private final String bank;
  private final String scratch;
  private final RecordedStoreCalls calls;
  private final long startRevision;
  private final List<KvClient> clients;
  private final ClientLoops loops;
  private final AtomicLong transfers = new AtomicLong();
  /** Per client (each touched by its own thread only): its random source, call count, latest revision seen. */
  private final Random[] randoms;
  private final long[] sequences;
  private final long[] lastRevisions;

  /**
   * @param runPrefix       the run's key prefix; accounts go under {@code runPrefix + "bank/"}
   * @param access          how its clients connect (TLS, sign-in)
   * @param allEndpoints    every node, for the clients that fail over
   * @param nodeEndpoints   one endpoint per node, each gets a pinned client
   * @param failoverClients how many clients fail over between all nodes
   * @param startRevision   the run's first revision: reads of the past go no further back
   */
  TransferWorkload(String runPrefix, ClientAccess access, List<String> allEndpoints, List<String> nodeEndpoints,
      int failoverClients, RecordedStoreCalls calls, long startRevision, long seed) {
    this.bank = runPrefix + "bank/";
    this.scratch = runPrefix + "scratch/";
    this.calls = calls;
    this.startRevision = startRevision;
    this.clients = ClientLoops.failoverAndPinned(access, allEndpoints, nodeEndpoints, failoverClients);
    this.loops = new ClientLoops("transfers-" + bank, clients);
    randoms = new Random[clients.size()];
    Arrays.setAll(randoms, i -> new Random(seed * 37 + i));
    sequences = new long[clients.size()];
    lastRevisions = new long[clients.size()];
  }

  /** Opens every account with {@link #OPENING_BALANCE} in one transaction, retried until answered. */
  void open(Duration limit) {
    Txn open = Txn.when(Cmp.version(account(0)).equal(0))
        .then(IntStream.range(0, ACCOUNTS).mapToObj(i -> Op.put(account(i), OPENING_BALANCE + "/opening"))
            .toArray(dev.kvstore.api.RequestOp[]::new));
    await().atMost(limit).ignoreException(KvClientException.class)
        .until(() -> calls.call(FIRST_PROCESS, open.request(), () -> clients.get(0).txn(open), r -> r) != null);
  }

  private String account(int i) {
    return bank + i;
  }

  void start() {
    loops.start(this::step);
  }

  private void step(int index, KvClient client) {
    int process = FIRST_PROCESS + index;
    Random random = randoms[index];
    String tag = "p" + process + "-" + (++sequences[index]);
    int dice = random.nextInt(100);
    try {
      if (dice < 50) {
        transfer(process, client, random, tag, index);
      } else if (dice < 65) {
        readPast(process, client, random, lastRevisions[index]);
      } else if (dice < 80) {
        String key = scratch + random.nextInt(SCRATCH_KEYS);
        calls.call(process, TxnForm.put(key, tag), () -> client.put(key, tag), TxnForm::of);
      } else if (dice < 90) {
        createIfAbsent(process, client, scratch + random.nextInt(SCRATCH_KEYS), tag);
      } else {
        calls.call(process, TxnForm.deleteRange(DeleteRangeRequest.newBuilder().setKey(scratch).setPrefix(true)
            .build()), () -> client.deletePrefix(scratch, false), TxnForm::of);
      }
    } catch (KvClientException e) {
      // recorded; the history's checks decide whether the failure was allowed
    }
    // a short think time keeps two cores from drowning in client threads
    loops.pause(40 + random.nextInt(60));
  }

  private void transfer(int process, KvClient client, Random random, String tag, int index) {
    RangeResponse accounts = calls.call(process, TxnForm.range(prefix(bank)),
        () -> client.range(RangeOptions.prefix(bank)), TxnForm::of);
    lastRevisions[index] = Math.max(lastRevisions[index], accounts.getHeader().getRevision());
    if (accounts.getKvsCount() < 2) {
      return;
    }
    int fromIndex = random.nextInt(accounts.getKvsCount());
    int toIndex = (fromIndex + 1 + random.nextInt(accounts.getKvsCount() - 1)) % accounts.getKvsCount();
    KeyValue from = accounts.getKvs(fromIndex);
    KeyValue to = accounts.getKvs(toIndex);
    long amount = Math.min(balance(from.getValue().toStringUtf8()), 1 + random.nextInt(10));
    if (amount == 0) {
      return;
    }
    Txn txn = Txn.when(Cmp.modRevision(from.getKey()).equal(from.getModRevision()),
            Cmp.modRevision(to.getKey()).equal(to.getModRevision()))
        .then(Op.put(from.getKey(), (balance(from.getValue().toStringUtf8()) - amount) + "/" + tag),
            Op.put(to.getKey(), (balance(to.getValue().toStringUtf8()) + amount) + "/" + tag))
        .orElse(Op.get(from.getKey()), Op.get(to.getKey()));
    TxnResponse done = calls.call(process, txn.request(), () -> client.txn(txn), r -> r);
    lastRevisions[index] = Math.max(lastRevisions[index], done.getHeader().getRevision());
    if (done.getSucceeded()) {
      transfers.incrementAndGet();
    }
  }

  /** A range read of the accounts at a revision up to 20 before the latest one this client saw (not before the run). */
  private void readPast(int process, KvClient client, Random random, long lastRevision) {
    if (lastRevision <= 0) {
      return;
    }
    long revision = Math.max(startRevision, lastRevision - random.nextInt(21));
    calls.callAt(process, TxnForm.range(prefix(bank)), revision,
        () -> client.range(RangeOptions.prefix(bank).atRevision(revision)), TxnForm::of);
  }

  private void createIfAbsent(int process, KvClient client, String key, String value) {
    Txn txn = Txn.when(Cmp.version(key).equal(0)).then(Op.put(key, value)).orElse(Op.get(key));
    calls.call(process, txn.request(), () -> client.txn(txn), r -> r);
  }

  private static RangeRequest prefix(String prefix) {
    return RangeRequest.newBuilder().setKey(prefix).setPrefix(true).build();
  }

  private static long balance(String value) {
    return Long.parseLong(value.substring(0, value.indexOf('/')));
  }

  /** Transfers whose compares held and that were acknowledged. */
  long transfers() {
    return transfers.get();
  }

  /** Stops the clients, letting calls in flight finish. */
  void stop() throws InterruptedException {
    loops.stop();
  }

  /**
   * The bank's invariant at every revision of the run: the accounts exist all together or not at
   * all, none is negative, and together they hold {@link #ACCOUNTS} x {@link #OPENING_BALANCE}.
   * A transfer applied in part, twice, or from a stale balance breaks it.
   */
  List<String> invariantViolations(StoreTimeline timeline) {
    List<String> violations = new ArrayList<>();
    for (long revision : timeline.changes().keySet()) {
      List<KeyValue> accounts = timeline.stateAt(revision).values().stream()
          .filter(kv -> kv.getKey().startsWith(bank)).toList();
      if (accounts.isEmpty()) {
        continue;
      }
      long total = 0;
      for (KeyValue account : accounts) {
        long balance = balance(account.getValue().toStringUtf8());
        if (balance < 0) {
          violations.add("r" + revision + ": " + account.getKey() + " holds " + balance);
        }
        total += balance;
      }
      if (accounts.size() != ACCOUNTS || total != ACCOUNTS * OPENING_BALANCE) {
        violations.add("r" + revision + ": " + accounts.size() + " accounts hold " + total + " units; expected "
            + ACCOUNTS + " holding " + ACCOUNTS * OPENING_BALANCE);
      }
    }
    return violations;
  }

  @Override
  public void close() {
    loops.close();
  }
}

package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import dev.kvstore.statemachine.proto.ClientRequestId;
import dev.kvstore.statemachine.proto.CommandResult;
import dev.kvstore.statemachine.proto.SnapshotCompression;
import dev.kvstore.statemachine.proto.StoredAuth;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.FileUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Snapshots of {@code keys} keys with 256-byte values and a full dedup table (100,000 remembered
 * requests), as {@link KvStateMachine} takes and loads them, with the records zstd-compressed (as
 * the node writes them) or not ({@code compression}), for three kinds of values ({@code values}):
 * {@code random} bytes (nothing to gain), {@code printable} (each key its own letters and digits,
 * as {@code KeySpace.sampleValue} draws them) and {@code template} (every key the one value
 * {@code kvstore bench} puts). The file's size is printed once per trial ("snapshot file: ...").
 * <ul>
 *   <li>{@code write}: the whole file, forced to disk (what the background writer spends);
 *   <li>{@code load}: read with the MD5 checked on the way, and the store and dedup table rebuilt
 *       (what a restarting node spends before it serves);
 *   <li>{@code start}: what the apply thread spends to start a background snapshot (open the
 *       point-in-time view, copy the dedup table's references), in microseconds.
 * </ul>
 * Single-shot: each op is one whole snapshot. The disk is whatever {@code java.io.tmpdir} is on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class SnapshotBenchmark {

  /** Keys in the store. */
  @Param({"100000", "1000000"})
  public int keys;

  /** The records' codec: SNAPSHOT_COMPRESSION_ZSTD (what the node writes) or SNAPSHOT_COMPRESSION_NONE. */
  @Param({"SNAPSHOT_COMPRESSION_ZSTD", "SNAPSHOT_COMPRESSION_NONE"})
  public SnapshotCompression compression;

  /** random, printable or template (see the class comment). */
  @Param({"random", "printable", "template"})
  public String values;

  private static final String PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  private final MvccStore store = new MvccStore(0);
  private final AppliedRequests applied = new AppliedRequests();
  private Path dir;
  private File written;
  private File loaded;
  private MD5Hash loadedMd5;

  @Setup(Level.Trial)
  public void fill() throws IOException {
    Random random = new Random(1);
    byte[] value = new byte[256];
    fillPrintable(value, random);
    for (int i = 0; i < keys; i++) {
      switch (values) {
        case "random" -> random.nextBytes(value);
        case "printable" -> fillPrintable(value, random);
        case "template" -> { }
        default -> throw new IllegalArgumentException("values: random, printable or template, not " + values);
      }
      WriteTxn txn = store.write();
      txn.put(String.format("key-%08d", i), ByteString.copyFrom(value));
      txn.end();
    }
    ByteString digest = ByteString.copyFrom(new byte[CommandDigest.BYTES]);
    for (int i = 0; i < AppliedRequests.MAX_ENTRIES; i++) {
      applied.remember(ClientRequestId.newBuilder().setClientId(ByteString.copyFromUtf8("client")).setSequence(i).build(),
          digest, CommandResult.newBuilder().setRevision(i).build());
    }
    dir = Files.createTempDirectory("kvstore-snapshot-benchmark");
    written = dir.resolve("snapshot.1_2").toFile();
    loaded = dir.resolve("snapshot.1_1").toFile();
    loadedMd5 = write(loaded);
    System.err.printf("snapshot file: %,d bytes (%d keys, %s values, %s)%n", loaded.length(), keys, values,
        compression);
  }

  private static void fillPrintable(byte[] value, Random random) {
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) PRINTABLE.charAt(random.nextInt(PRINTABLE.length()));
    }
  }

  @TearDown(Level.Trial)
  public void delete() throws IOException {
    FileUtils.deleteFully(dir);
  }

  private MD5Hash write(File file) throws IOException {
    try (MvccStore.RevisionView view = store.openView()) {
      return SnapshotFile.write(file, view, applied.copy().records(), List.of(), StoredAuth.getDefaultInstance(),
          CpuPacing.NONE, compression);
    }
  }

  @Benchmark
  public MD5Hash write() throws IOException {
    return write(written);
  }

  @Benchmark
  public MvccStore load() throws IOException {
    SnapshotFile.Content content = SnapshotFile.read(loaded, loadedMd5);
    MvccStore fresh = new MvccStore(0);
    fresh.reset(content.versions(), content.revision(), content.compactedRevision());
    new AppliedRequests().reset(content.dedup());
    return fresh;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 1)
  @Measurement(iterations = 5, time = 1)
  public AppliedRequests.Copy start() {
    MvccStore.RevisionView view = store.openView();
    AppliedRequests.Copy copy = applied.copy();
    view.close();
    return copy;
  }
}

package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupFileTest {

  @TempDir
  Path dir;

  private static BackupHeader header(int version) {
    return BackupHeader.newBuilder()
        .setFormatVersion(version)
        .setRevision(1234)
        .setKeyCount(56)
        .setSnapshotFormat(4)
        .setClusterId("5c1f1e4e-0000-3000-8000-000000000001")
        .setClusterName("kvstore")
        .setMemberId("n1")
        .setCreatedUnixMillis(1_764_000_000_000L)
        .build();
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  /** A backup of {@code content} written as a node streams it, in pieces. */
  private Path written(String name, BackupHeader header, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file)) {
      BackupFile.Writer writer = BackupFile.writer(out, header);
      for (int at = 0; at < content.length; at += 1000) {
        writer.write(content, at, Math.min(1000, content.length - at));
      }
      writer.finish();
    }
    return file;
  }

  private Path copyWith(Path file, String name, byte[] bytes) throws IOException {
    Path copy = dir.resolve(name);
    Files.write(copy, bytes);
    return copy;
  }

  @Test
  void aWrittenBackupVerifiesWithItsHeaderSizeAndTheSha256OfEverythingBeforeTheTrailer() throws Exception {
    byte[] content = content(300_000);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    BackupFile.Writer writer = BackupFile.writer(sink, header(1));
    writer.write(content);
    BackupFile.Summary written = writer.finish();
    Path file = copyWith(null, "backup.db", sink.toByteArray());

    BackupFile.Summary verified = BackupFile.verify(file);

    byte[] all = Files.readAllBytes(file);
    byte[] expected = MessageDigest.getInstance("SHA-256")
        .digest(Arrays.copyOf(all, all.length - BackupFile.TRAILER_BYTES));
    assertThat(verified.sha256()).isEqualTo(expected).isEqualTo(written.sha256());
    assertThat(verified.sha256Hex()).isEqualTo(HexFormat.of().formatHex(expected));
    assertThat(verified.sizeBytes()).isEqualTo(all.length).isEqualTo(written.sizeBytes());
    assertThat(verified.header()).isEqualTo(header(1));
    assertThat(verified.revision()).isEqualTo(1234);
    assertThat(verified.keyCount()).isEqualTo(56);
    assertThat(verified.contentOffset()).isEqualTo(written.contentOffset());
    assertThat(verified.contentBytes()).isEqualTo(content.length);
    assertThat(new String(all, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("KVBACKUP");
    assertThat(new String(all, all.length - 8, 8, StandardCharsets.US_ASCII)).isEqualTo("KVBKEND1");
  }

  @Test
  void theContentReadsBackExactly() throws Exception {
    byte[] content = content(700_001);
    Path file = written("backup.db", header(1), content);
    BackupFile.Summary verified = BackupFile.verify(file);

    try (InputStream in = BackupFile.openContent(file, verified)) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void anEmptyContentIsAValidBackup() throws Exception {
    Path file = written("empty-store.db", header(1), new byte[0]);

    assertThat(BackupFile.verify(file).contentBytes()).isZero();
  }

  @Test
  void everyTruncationIsRefusedAsTruncatedOrNotABackup() throws Exception {
    Path file = written("backup.db", header(1), content(5_000));
    byte[] all = Files.readAllBytes(file);
    // Every cut from the empty file to one byte short, sampled densely near both ends.
    for (int length = 0; length < all.length; length += length < 200 || length > all.length - 200 ? 1 : 97) {
      Path cut = copyWith(file, "cut-" + length + ".db", Arrays.copyOf(all, length));

      assertThatThrownBy(() -> BackupFile.verify(cut))
          .as("cut to %d of %d bytes", length, all.length)
          .isInstanceOf(BackupFileException.class)
          .hasMessageContaining(cut.toString())
          .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("truncated", "empty", "not a kvstore backup"));
      Files.delete(cut);
    }
  }

  @Test
  void aTruncatedBackupSaysSoInPlainWords() throws Exception {
    Path file = written("backup.db", header(1), content(5_000));
    byte[] all = Files.readAllBytes(file);
    Path cut = copyWith(file, "cut.db", Arrays.copyOf(all, all.length - 100));

    assertThatThrownBy(() -> BackupFile.verify(cut))
        .isInstanceOf(BackupFileException.class)
        .hasMessageContaining("is truncated")
        .hasMessageContaining("end marker");
  }

  @Test
  void aChangedByteAnywhereBeforeTheTrailerIsRefusedAsTamperedWith() throws Exception {
    Path file = written("backup.db", header(1), content(5_000));
    byte[] all = Files.readAllBytes(file);
    BackupFile.Summary good = BackupFile.verify(file);
    // In the content, and in the header's revision field (still a header that parses).
    for (int at : new int[] {(int) good.contentOffset(), (int) good.contentOffset() + 2_500,
        all.length - BackupFile.TRAILER_BYTES - 1}) {
      byte[] changed = all.clone();
      changed[at] ^= 0x01;
      Path tampered = copyWith(file, "tampered-" + at + ".db", changed);

      assertThatThrownBy(() -> BackupFile.verify(tampered))
          .as("byte %d flipped", at)
          .isInstanceOf(BackupFileException.class)
          .hasMessageContaining("corrupt or was tampered with")
          .hasMessageContaining(good.sha256Hex());
    }
    Path otherRevision = written("other.db", header(1).toBuilder().setRevision(1235).build(), content(5_000));
    byte[] spliced = Files.readAllBytes(otherRevision);
    // The other header with this file's trailer: a header edited after the fact.
    System.arraycopy(all, all.length - BackupFile.TRAILER_BYTES, spliced, spliced.length - BackupFile.TRAILER_BYTES,
        BackupFile.TRAILER_BYTES);
    Path edited = copyWith(file, "edited.db", spliced);
    assertThatThrownBy(() -> BackupFile.verify(edited)).hasMessageContaining("tampered with");
  }

  @Test
  void aChangedTrailerIsRefused() throws Exception {
    Path file = written("backup.db", header(1), content(1_000));
    byte[] all = Files.readAllBytes(file);
    byte[] wrongLength = all.clone();
    wrongLength[all.length - BackupFile.TRAILER_BYTES + 7] ^= 0x01;
    byte[] wrongSum = all.clone();
    wrongSum[all.length - 20] ^= 0x01;

    assertThatThrownBy(() -> BackupFile.verify(copyWith(file, "length.db", wrongLength)))
        .hasMessageContaining("its trailer says");
    assertThatThrownBy(() -> BackupFile.verify(copyWith(file, "sum.db", wrongSum)))
        .hasMessageContaining("tampered with");
  }

  @Test
  void bytesAppendedAfterTheEndAreRefused() throws Exception {
    Path file = written("backup.db", header(1), content(1_000));
    byte[] all = Files.readAllBytes(file);
    byte[] longer = Arrays.copyOf(all, all.length + 3);

    assertThatThrownBy(() -> BackupFile.verify(copyWith(file, "longer.db", longer)))
        .isInstanceOf(BackupFileException.class)
        .hasMessageContaining("end marker");
  }

  @Test
  void anotherFormatVersionIsRefusedNamingBoth() throws Exception {
    Path file = written("future.db", header(2), content(1_000));

    assertThatThrownBy(() -> BackupFile.verify(file))
        .isInstanceOf(BackupFileException.class)
        .hasMessageContaining("format version 2")
        .hasMessageContaining("reads version 1");
  }

  @Test
  void otherFilesAreNotBackups() throws Exception {
    Path text = copyWith(null, "notes.txt", "hello, this is not a backup at all".getBytes(StandardCharsets.UTF_8));
    Path empty = copyWith(null, "empty.db", new byte[0]);
    Path missing = dir.resolve("missing.db");

    assertThatThrownBy(() -> BackupFile.verify(text)).isInstanceOf(BackupFileException.class)
        .hasMessageContaining("is not a kvstore backup file");
    assertThatThrownBy(() -> BackupFile.verify(empty)).isInstanceOf(BackupFileException.class)
        .hasMessageContaining("is empty");
    assertThatThrownBy(() -> BackupFile.verify(missing)).isInstanceOf(BackupFileException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void aHeaderLengthBeyondAnyHeaderIsCorruptNotAHugeAllocation() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write("KVBACKUP".getBytes(StandardCharsets.US_ASCII));
    bytes.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f});
    bytes.write(new byte[100]);
    Path file = copyWith(null, "huge-header.db", bytes.toByteArray());

    assertThatThrownBy(() -> BackupFile.verify(file)).isInstanceOf(BackupFileException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void aFinishedWriterTakesNoMoreContent() throws Exception {
    BackupFile.Writer writer = BackupFile.writer(new ByteArrayOutputStream(), header(1));
    writer.finish();

    assertThatThrownBy(() -> writer.write(1)).isInstanceOf(IOException.class).hasMessageContaining("finished");
    assertThatThrownBy(writer::finish).isInstanceOf(IOException.class);
  }
}

package dev.kvstore.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The kvstore backup file: what {@code Maintenance.Backup} streams and {@code kvstore snapshot save}
 * writes, self-verifying as etcd's snapshot file (which ends with the SHA-256 of its content):
 *
 * <pre>
 *   8 bytes   "KVBACKUP"
 *   varint    length of the {@link BackupHeader}, then the header (format version, revision, keys, source cluster)
 *   ...       the content: the nodes' own snapshot format, version {@code snapshot_format}
 *   48 bytes  trailer: 8 bytes big-endian length of everything before it, its SHA-256 (32 bytes), "KVBKEND1"
 * </pre>
 *
 * <p>The SHA-256 covers the magic, the header and the content: a changed byte anywhere before the
 * trailer is found by {@link #verify}; a file cut short lacks the end marker or has a wrong
 * length. Nothing here knows the content's layout: the node checks it again when it restores
 * (the client module must not depend on the node's storage).
 */
public final class BackupFile {

  /** The layout above. */
  public static final int FORMAT_VERSION = 1;
  /** Bytes of the trailer at the end of every complete backup. */
  public static final int TRAILER_BYTES = 48;
  static final byte[] MAGIC = "KVBACKUP".getBytes(StandardCharsets.US_ASCII);
  static final byte[] END_MAGIC = "KVBKEND1".getBytes(StandardCharsets.US_ASCII);
  /** The largest header a reader accepts: far above any real one (a few hundred bytes). */
  static final int MAX_HEADER_BYTES = 64 << 10;
  private static final int BUFFER_BYTES = 256 << 10;

  private BackupFile() {}

  /**
   * A backup's header and the facts of its file.
   *
   * @param header        the header as written
   * @param sizeBytes     the file's size, trailer included
   * @param contentOffset where the content starts: after the magic and the header
   * @param sha256        the SHA-256 of everything before the trailer (32 bytes)
   */
  public record Summary(BackupHeader header, long sizeBytes, long contentOffset, byte[] sha256) {

    public Summary {
      Objects.requireNonNull(header, "header");
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    public long revision() {
      return header.getRevision();
    }

    public long keyCount() {
      return header.getKeyCount();
    }

    /** Bytes of the content (the snapshot), between the header and the trailer. */
    public long contentBytes() {
      return sizeBytes - TRAILER_BYTES - contentOffset;
    }

    /** The SHA-256 in lower-case hex, as {@code sha256sum} prints digests. */
    public String sha256Hex() {
      return HexFormat.of().formatHex(sha256);
    }
  }

  /**
   * Writes a backup to {@code sink}: the magic and {@code header} at once, then whatever is written
   * to the returned stream as the content; {@link Writer#finish()} adds the trailer. Closing the
   * writer does not close {@code sink}.
   *
   * @throws IOException when writing to {@code sink} fails
   */
  public static Writer writer(OutputStream sink, BackupHeader header) throws IOException {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(header, "header");
    Writer writer = new Writer(sink, header);
    writer.write(MAGIC);
    CodedOutputStream coded = CodedOutputStream.newInstance(writer, 256);
    coded.writeUInt32NoTag(header.getSerializedSize());
    header.writeTo(coded);
    coded.flush();
    return writer;
  }

  /** The content stream of a backup being written; see {@link #writer}. */
  public static final class Writer extends OutputStream {

    private final OutputStream sink;
    private final BackupHeader header;
    private final MessageDigest digest = sha256Digest();
    private long written;
    private long contentOffset = -1;
    private boolean finished;

    private Writer(OutputStream sink, BackupHeader header) {
      this.sink = sink;
      this.header = header;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      if (finished) {
        throw new IOException("the backup is finished: its trailer is written");
      }
      sink.write(bytes, offset, length);
      digest.update(bytes, offset, length);
      written += length;
    }

    @Override
    public void flush() throws IOException {
      sink.flush();
    }

    /** Bytes written so far, the magic and the header included. */
    public long written() {
      return written;
    }

    /**
     * Ends the file with its trailer and flushes {@code sink}.
     *
     * @return what was written: the summary {@link #verify} gives for the file
     * @throws IOException when writing the trailer fails
     */
    public Summary finish() throws IOException {
      if (finished) {
        throw new IOException("the backup is finished already");
      }
      byte[] sha = digest.digest();
      ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
      trailer.putLong(written).put(sha).put(END_MAGIC);
      sink.write(trailer.array());
      sink.flush();
      finished = true;
      return new Summary(header, written + TRAILER_BYTES, headerEnd(), sha);
    }

    private long headerEnd() {
      if (contentOffset < 0) {
        contentOffset = MAGIC.length + CodedOutputStream.computeUInt32SizeNoTag(header.getSerializedSize())
            + header.getSerializedSize();
      }
      return contentOffset;
    }
  }

  /**
   * Checks that {@code file} is a complete backup this build reads and that nothing before its
   * trailer changed (one pass over the file); returns its header and checksum.
   *
   * @throws BackupFileException naming the file and what is wrong: missing, empty, not a backup,
   *     an unknown format version, truncated (no end marker, or fewer bytes than the trailer
   *     says), or corrupt or tampered with (the SHA-256 differs from the trailer's)
   * @throws IOException when the file cannot be read
   */
  public static Summary verify(Path file) throws IOException {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new BackupFileException("backup file " + file + " does not exist");
    }
    if (size == 0) {
      throw new BackupFileException("backup file " + file + " is empty");
    }
    BackupHeader header;
    long contentOffset;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES)) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new BackupFileException(file + " is not a kvstore backup file: it does not start with \""
            + new String(MAGIC, StandardCharsets.US_ASCII) + "\"");
      }
      CodedInputStream coded = CodedInputStream.newInstance(in, 16);
      int length;
      try {
        length = coded.readRawVarint32();
      } catch (IOException e) {
        throw new BackupFileException("backup file " + file + " is truncated in its header (" + size + " bytes)");
      }
      if (length < 0 || length > MAX_HEADER_BYTES) {
        throw new BackupFileException("backup file " + file + " is corrupt: its header claims " + length
            + " bytes, more than any backup header (" + MAX_HEADER_BYTES + ")");
      }
      contentOffset = MAGIC.length + CodedOutputStream.computeUInt32SizeNoTag(length) + (long) length;
      if (contentOffset > size) {
        throw new BackupFileException("backup file " + file + " is truncated in its header: " + size
            + " bytes, the header alone needs " + contentOffset);
      }
      try {
        header = BackupHeader.parseFrom(coded.readRawBytes(length));
      } catch (InvalidProtocolBufferException e) {
        throw new BackupFileException("backup file " + file + " is corrupt: its header does not parse ("
            + e.getMessage() + ")");
      }
    }
    if (header.getFormatVersion() != FORMAT_VERSION) {
      throw new BackupFileException("backup file " + file + " has format version " + header.getFormatVersion()
          + "; this build reads version " + FORMAT_VERSION + " (a newer kvstore wrote it, or it is corrupt)");
    }
    if (size < contentOffset + TRAILER_BYTES) {
      throw new BackupFileException("backup file " + file + " is truncated: " + size + " bytes end before the "
          + TRAILER_BYTES + "-byte trailer that ends every complete backup");
    }
    byte[] expected = new byte[32];
    long covered;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
      channel.position(size - TRAILER_BYTES);
      while (trailer.hasRemaining() && channel.read(trailer) >= 0) {
        // Reads until the buffer is full; a file cannot shrink under us without an error below.
      }
      trailer.flip();
      covered = trailer.getLong();
      trailer.get(expected);
      byte[] end = new byte[END_MAGIC.length];
      trailer.get(end);
      if (!Arrays.equals(end, END_MAGIC)) {
        throw new BackupFileException("backup file " + file + " is truncated (or has bytes appended): it does not end"
            + " with the end marker \"" + new String(END_MAGIC, StandardCharsets.US_ASCII) + "\" that every complete"
            + " backup ends with (" + size + " bytes)");
      }
      if (covered != size - TRAILER_BYTES) {
        throw new BackupFileException("backup file " + file + " is truncated or was changed: its trailer says "
            + covered + " bytes precede it, but " + (size - TRAILER_BYTES) + " do");
      }
    }
    MessageDigest digest = sha256Digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[BUFFER_BYTES];
      long left = covered;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new BackupFileException("backup file " + file + " shrank while it was read");
        }
        digest.update(buffer, 0, n);
        left -= n;
      }
    }
    byte[] actual = digest.digest();
    if (!MessageDigest.isEqual(actual, expected)) {
      throw new BackupFileException("backup file " + file + " is corrupt or was tampered with: the SHA-256 of its"
          + " content is " + HexFormat.of().formatHex(actual) + " but its trailer says "
          + HexFormat.of().formatHex(expected));
    }
    return new Summary(header, size, contentOffset, actual);
  }

  /**
   * The content of a backup {@link #verify} accepted: the bytes between its header and its
   * trailer. The caller closes the stream.
   */
  public static InputStream openContent(Path file, Summary verified) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      channel.position(verified.contentOffset());
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    InputStream all = new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES);
    return new FilterInputStream(all) {
      private long left = verified.contentBytes();

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        if (b >= 0) {
          left--;
        }
        return b;
      }

      @Override
      public int read(byte[] bytes, int offset, int length) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = super.read(bytes, offset, (int) Math.min(length, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, left));
        left -= skipped;
        return skipped;
      }

      @Override
      public int available() throws IOException {
        return (int) Math.min(super.available(), left);
      }

      @Override
      public boolean markSupported() {
        return false;
      }
    };
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}

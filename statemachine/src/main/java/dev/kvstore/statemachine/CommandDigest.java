package dev.kvstore.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.kvstore.statemachine.proto.Command;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The fingerprint that tells a retry of a request from another request that reuses its id: a
 * 32-byte SHA-256 of the command without its request id (and without the leader's quota stamp),
 * computed at apply time on every replica from the command as logged, and kept in {@link AppliedRequests} next to the result.
 *
 * <p>What is hashed: the command's deterministic protobuf serialization
 * ({@link CodedOutputStream#useDeterministicSerialization()}) with {@code request_id} cleared,
 * that is the tag of the {@code op} oneof case (its field number, so a put and a delete differ),
 * the op's length and every field of the op in field-number order, followed by any fields the
 * parser did not know (kept as unknown fields). Every field counts, including fields added later,
 * with nothing to update here; fields at their default value are not written, so a field added
 * later leaves the digest of commands that do not use it unchanged.
 *
 * <p>Why every replica computes the same digest: all replicas parse the same log bytes with the
 * same generated classes and the same protobuf-java (pinned by the build), and deterministic
 * serialization of one message by one library version is a function of its fields. That holds
 * across a rolling restart of the same version. Across versions it holds while fields are only
 * added, with numbers higher than every existing one: an older replica writes a field it does not
 * know after the fields it knows, which is where a newer one writes it. The limit: protobuf does
 * not promise that deterministic serialization stays byte-identical across library versions or
 * languages, so an upgrade of protobuf-java could, in principle, change the digest of the same
 * command. Even then replicas cannot diverge: a duplicate and a refused reuse both leave the store
 * and the table unchanged, so a mismatch can only make a genuine retry of a write applied before
 * the upgrade get {@code FAILED_PRECONDITION} instead of its first result.
 */
final class CommandDigest {

  /** SHA-256 output length. */
  static final int BYTES = 32;

  /** Most bytes buffered between the serialization and the digest. */
  private static final int MAX_BUFFER_BYTES = 4096;
  /** Cloned for each digest: cheaper than looking the algorithm up again. Never used itself. */
  private static final MessageDigest SHA256 = sha256();

  private CommandDigest() {}

  /** The digest of {@code command}, ignoring its request id. */
  static ByteString of(Command command) {
    MessageDigest sha256 = fresh();
    // The leader's quota stamp is not part of what the client asked for (see Command.quota_exceeded).
    Command hashed = command.toBuilder().clearRequestId().clearQuotaExceeded().build();
    // Streamed into the digest so that a 1 MiB value is not copied once more; the buffer is no
    // larger than the command (a put of 256 bytes allocated 4 KiB per apply before), and its size
    // does not change the bytes written.
    OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), sha256);
    CodedOutputStream out = CodedOutputStream.newInstance(sink,
        Math.max(1, Math.min(MAX_BUFFER_BYTES, hashed.getSerializedSize())));
    out.useDeterministicSerialization();
    try {
      hashed.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a message digest cannot fail", e);
    }
    return UnsafeByteOperations.unsafeWrap(sha256.digest());
  }

  private static MessageDigest fresh() {
    try {
      return (MessageDigest) SHA256.clone();
    } catch (CloneNotSupportedException e) {
      return sha256();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}

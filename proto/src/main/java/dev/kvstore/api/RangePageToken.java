package dev.kvstore.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * What {@code RangeResponse.next_page_token} holds: the revision the first page was read at, the
 * last key returned so far, and a fingerprint of the fields that define the range and its order, so
 * that a token is only ever used to go on with the read it came from. Opaque to clients (who pass
 * it back unchanged); shared by the node, which makes and reads tokens, and the Java client, which
 * checks them before sending, like {@link RequestLimits}.
 *
 * <p>Encoding: URL-safe base64 without padding of a format byte, the revision (varint), the key
 * (length-delimited UTF-8) and the fingerprint (fixed 64 bits: the first 8 bytes of the SHA-256 of
 * the request's key, range_end, prefix, sort_order, sort_target, keys_only and count_only as one
 * RangeRequest message). A token is at most about 5.5 KB (a 4 KiB key).
 *
 * @param revision    the revision every page of the read is at; at least 1
 * @param lastKey     the last key of the previous page: the next page starts after it
 * @param fingerprint the {@link #fingerprint} of the read's request
 */
public record RangePageToken(long revision, String lastKey, long fingerprint) {

  private static final int FORMAT = 1;

  /** The token to go on after {@code lastKey} with the read of {@code request} at {@code revision}. */
  public static RangePageToken after(RangeRequest request, long revision, String lastKey) {
    return new RangePageToken(revision, lastKey, fingerprint(request));
  }

  /** The token as {@code next_page_token} carries it. */
  public String encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + lastKey.length() * 3);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeRawByte(FORMAT);
      out.writeUInt64NoTag(revision);
      out.writeStringNoTag(lastKey);
      out.writeFixed64NoTag(fingerprint);
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
  }

  /**
   * The token of {@code request.page_token}, checked against the request's own fields.
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT when the token is not one a Range response gave,
   *     or was given for a different range, sort or keys_only/count_only, or for another revision
   *     than the request's (other than 0)
   */
  public static RangePageToken of(RangeRequest request) {
    RangePageToken token = decode(request.getPageToken());
    if (token.fingerprint != fingerprint(request)) {
      throw invalid("page_token belongs to a read of another range or order: pass it with the key, range_end,"
          + " prefix, sort_order, sort_target, keys_only and count_only of the first page's request");
    }
    if (request.getRevision() != 0 && request.getRevision() != token.revision) {
      throw invalid("page_token reads at revision " + token.revision + " but the request asks for revision "
          + request.getRevision() + ": pass the first page's revision, or 0");
    }
    return token;
  }

  private static RangePageToken decode(String text) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(Base64.getUrlDecoder().decode(text));
      if (in.readRawByte() != FORMAT) {
        throw invalid(notAToken());
      }
      long revision = in.readUInt64();
      String lastKey = in.readStringRequireUtf8();
      long fingerprint = in.readFixed64();
      if (!in.isAtEnd() || revision < 1 || lastKey.isEmpty()) {
        throw invalid(notAToken());
      }
      return new RangePageToken(revision, lastKey, fingerprint);
    } catch (IOException | IllegalArgumentException e) {
      throw invalid(notAToken());
    }
  }

  /** The fingerprint of the fields every page of one read must repeat. */
  static long fingerprint(RangeRequest request) {
    byte[] fields = RangeRequest.newBuilder()
        .setKey(request.getKey())
        .setRangeEnd(request.getRangeEnd())
        .setPrefix(request.getPrefix())
        .setSortOrderValue(request.getSortOrderValue())
        .setSortTargetValue(request.getSortTargetValue())
        .setKeysOnly(request.getKeysOnly())
        .setCountOnly(request.getCountOnly())
        .build()
        .toByteArray();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(fields);
      long fingerprint = 0;
      for (int i = 0; i < 8; i++) {
        fingerprint = fingerprint << 8 | (digest[i] & 0xff);
      }
      return fingerprint;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static String notAToken() {
    return "page_token is not a token a Range response gave: pass next_page_token unchanged, or leave page_token"
        + " empty for the first page";
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}

package dev.kvstore.api;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Trailers a node adds to every error it answers with, and to every health check: which node
 * answered, the leader it knows and its Raft term, the same facts a successful response carries in
 * its {@link ResponseHeader}. A client learns from them where the leader is even from a node that
 * could not serve the call, as etcd clients learn it from any member, and which member answers at
 * an address from the cheapest call there is ({@link #HEALTH_CHECK}). Part of the wire contract,
 * like the protos.
 */
public final class MemberHints {

  /** Id of the node that answered. */
  public static final Metadata.Key<String> MEMBER_ID =
      Metadata.Key.of("kvstore-member-id", Metadata.ASCII_STRING_MARSHALLER);
  /** Id of the leader the answering node knows; absent while it knows none. */
  public static final Metadata.Key<String> LEADER_ID =
      Metadata.Key.of("kvstore-leader-id", Metadata.ASCII_STRING_MARSHALLER);
  /** The Raft term the answering node is in, in decimal: a hint from a higher term is newer. */
  public static final Metadata.Key<String> RAFT_TERM =
      Metadata.Key.of("kvstore-raft-term", Metadata.ASCII_STRING_MARSHALLER);
  /**
   * The store revision the answering node has applied, in decimal; sent with health checks only
   * (a response's header carries its own), so that a client can tell how far behind a member is
   * without reading anything from it.
   */
  public static final Metadata.Key<String> REVISION =
      Metadata.Key.of("kvstore-revision", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The standard gRPC health check ({@code grpc.health.v1.Health/Check}) with its messages as raw
   * bytes, for callers that want only the hints in its trailers: an empty request asks about the
   * whole server, and the response can be ignored.
   */
  public static final MethodDescriptor<byte[], byte[]> HEALTH_CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.health.v1.Health", "Check"))
      .setRequestMarshaller(RawBytes.INSTANCE)
      .setResponseMarshaller(RawBytes.INSTANCE)
      .setIdempotent(true)
      .build();

  private MemberHints() {}

  /**
   * Adds the hints to {@code trailers} (which may already hold others, e.g. {@link WriteOutcome}).
   *
   * @param leaderId empty when the node knows no leader
   */
  public static Metadata addTo(Metadata trailers, String memberId, Optional<String> leaderId, long raftTerm) {
    trailers.put(MEMBER_ID, memberId);
    leaderId.filter(id -> !id.isEmpty()).ifPresent(id -> trailers.put(LEADER_ID, id));
    trailers.put(RAFT_TERM, Long.toString(raftTerm));
    return trailers;
  }

  /** The answering node's id, when the trailers carry it. */
  public static Optional<String> memberId(Metadata trailers) {
    return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(MEMBER_ID));
  }

  /** The leader the answering node knew, when it knew one. */
  public static Optional<String> leaderId(Metadata trailers) {
    return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(LEADER_ID));
  }

  /** The answering node's Raft term, when the trailers carry a well-formed one. */
  public static OptionalLong raftTerm(Metadata trailers) {
    return unsigned(trailers, RAFT_TERM);
  }

  /** The store revision the answering node had applied, when the trailers carry a well-formed one. */
  public static OptionalLong revision(Metadata trailers) {
    return unsigned(trailers, REVISION);
  }

  private static OptionalLong unsigned(Metadata trailers, Metadata.Key<String> key) {
    String text = trailers == null ? null : trailers.get(key);
    if (text == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseUnsignedLong(text));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Messages passed through as their bytes. */
  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

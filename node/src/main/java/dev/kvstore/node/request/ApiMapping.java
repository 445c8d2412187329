package dev.kvstore.node.request;

import com.google.protobuf.ByteString;
import dev.kvstore.api.EventType;
import dev.kvstore.api.KeyValue;
import dev.kvstore.statemachine.Event;
import dev.kvstore.statemachine.KeyRange;
import dev.kvstore.statemachine.proto.StoredKeyValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Converts between the state machine's types and the client API's messages. */
public final class ApiMapping {

  private static final int MESSAGE_VALUE_CHARS = 80;

  private ApiMapping() {}

  /**
   * The keys of a request's key / range_end / prefix triple, once
   * {@link dev.kvstore.api.RequestLimits#checkKeyRange} has accepted it.
   */
  public static KeyRange keyRange(String key, String rangeEnd, boolean prefix) {
    return KeyRange.of(key, rangeEnd, prefix);
  }

  /** The API message of a stored key-value (revisions and lease as stored). */
  public static KeyValue toApi(dev.kvstore.statemachine.KeyValue kv) {
    return KeyValue.newBuilder()
        .setKey(kv.key())
        .setValue(kv.value())
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setLease(kv.lease())
        .build();
  }

  static KeyValue toApi(StoredKeyValue kv) {
    return toApi(dev.kvstore.statemachine.KeyValue.of(kv));
  }

  /** The API event type of a store event's type. */
  public static EventType toApi(Event.Type type) {
    return type == Event.Type.PUT ? EventType.PUT : EventType.DELETE;
  }

  /** The one-line description the original server sent in {@code WatchResponse.message}. */
  public static String describe(Event e) {
    if (e.type() == Event.Type.DELETE) {
      return "key '" + e.key() + "' deleted (revision " + e.revision() + ")";
    }
    return "key '" + e.key() + "' set to " + printable(e.kv().value()) + " (revision " + e.revision() + ")";
  }

  /** The value in quotes when it is short UTF-8 text, otherwise its size. */
  static String printable(ByteString value) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value.toByteArray()))
          .toString();
      if (text.length() <= MESSAGE_VALUE_CHARS && text.chars().noneMatch(Character::isISOControl)) {
        return "'" + text + "'";
      }
    } catch (CharacterCodingException binary) {
      // fall through to the size
    }
    return "<" + value.size() + " bytes>";
  }
}

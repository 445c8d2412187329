package dev.kvstore.node.audit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What of a request and its response goes into an audit line, read through protobuf descriptors
 * so that every service is covered alike. Only named fields are read (a whitelist): keys, range
 * ends, user, role and lease names, revisions. Values, passwords and tokens are never read.
 */
final class AuditFields {

  private AuditFields() {}

  /**
   * Adds the request's subject to {@code line}: {@code key} (or {@code prefix} when the request's
   * {@code prefix} flag is set), {@code range_end}, {@code name} (a user or role the request names;
   * also its {@code user} field), {@code role}, {@code lease}, {@code compact_revision}; a
   * {@code permission} inside is read the same way; a transaction lists every key it touches
   * under {@code keys}.
   */
  static void addRequest(JsonObject line, Message request) {
    addSubject(line, request);
    Message permission = message(request, "permission");
    if (permission != null) {
      addSubject(line, permission);
    }
    if (!line.has("key") && !line.has("prefix")) {
      Set<String> keys = new LinkedHashSet<>();
      collectKeys(request, keys);
      if (!keys.isEmpty()) {
        JsonArray array = new JsonArray();
        keys.forEach(array::add);
        line.add("keys", array);
      }
    }
  }

  /** Adds the response's {@code header.revision} as {@code revision}, and a granted lease's {@code id}. */
  static void addResponse(JsonObject line, Message response) {
    Message header = message(response, "header");
    if (header != null) {
      Object revision = value(header, "revision");
      if (revision instanceof Long r && r > 0) {
        line.addProperty("revision", r);
      }
    }
    if (!line.has("lease") && value(response, "id") instanceof Long id && id != 0) {
      line.addProperty("lease", id);
    }
  }

  private static void addSubject(JsonObject line, Message message) {
    String key = text(value(message, "key"));
    if (key != null) {
      line.addProperty(Boolean.TRUE.equals(value(message, "prefix")) ? "prefix" : "key", key);
    }
    String rangeEnd = text(value(message, "range_end"));
    if (rangeEnd != null && !rangeEnd.isEmpty()) {
      line.addProperty("range_end", rangeEnd);
    }
    for (String field : new String[] {"name", "user"}) {
      String name = text(value(message, field));
      if (name != null && !name.isEmpty()) {
        line.addProperty("name", name);
      }
    }
    String role = text(value(message, "role"));
    if (role != null && !role.isEmpty()) {
      line.addProperty("role", role);
    }
    if (value(message, "id") instanceof Long id && id != 0) {
      line.addProperty("lease", id);
    }
    if (message.getDescriptorForType().getName().equals("CompactRequest") && value(message, "revision") instanceof Long r) {
      line.addProperty("compact_revision", r);
    }
  }

  /** Every {@code key} in nested messages (a transaction's compares and operations). */
  private static void collectKeys(Message message, Set<String> keys) {
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      if (descriptor.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      for (Object nested : descriptor.isRepeated() ? (Iterable<?>) field.getValue() : java.util.List.of(field.getValue())) {
        Message inner = (Message) nested;
        String key = text(value(inner, "key"));
        if (key != null) {
          keys.add(key);
        }
        collectKeys(inner, keys);
      }
    }
  }

  private static Object value(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    if (field == null || field.isRepeated()) {
      return null;
    }
    return message.getField(field);
  }

  private static Message message(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    if (field == null || field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        || !message.hasField(field)) {
      return null;
    }
    return (Message) message.getField(field);
  }

  private static String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof ByteString b) {
      return b.toString(StandardCharsets.UTF_8);
    }
    return null;
  }
}

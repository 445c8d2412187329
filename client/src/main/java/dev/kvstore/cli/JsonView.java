package dev.kvstore.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import java.util.Base64;

/** The JSON shapes the CLI prints for entries, with snake_case names like the proto's fields. */
final class JsonView {

  private JsonView() {}

  /** key, value (or value_base64), create_revision, mod_revision, version. */
  static JsonObject keyValue(KeyValue kv) {
    JsonObject json = new JsonObject();
    json.addProperty("key", kv.getKey());
    addValue(json, kv.getValue());
    json.addProperty("create_revision", kv.getCreateRevision());
    json.addProperty("mod_revision", kv.getModRevision());
    json.addProperty("version", kv.getVersion());
    return json;
  }

  /** The entry as {@link #keyValue} when {@code present} (a proto message field's has-bit), else JSON null. */
  static JsonElement keyValueOrNull(boolean present, KeyValue kv) {
    return present ? keyValue(kv) : JsonNull.INSTANCE;
  }

  /** Adds {@code value} as a string when it is UTF-8 text, else as {@code value_base64}. */
  static void addValue(JsonObject json, ByteString value) {
    if (value.isValidUtf8()) {
      json.addProperty("value", value.toStringUtf8());
    } else {
      json.addProperty("value_base64", Base64.getEncoder().encodeToString(value.toByteArray()));
    }
  }
}

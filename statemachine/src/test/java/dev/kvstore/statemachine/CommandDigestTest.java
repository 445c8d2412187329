package dev.kvstore.statemachine;

import static dev.kvstore.statemachine.TestCommands.delete;
import static dev.kvstore.statemachine.TestCommands.put;
import static dev.kvstore.statemachine.TestCommands.putWithPrev;
import static dev.kvstore.statemachine.TestCommands.withId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.kvstore.statemachine.proto.Command;
import dev.kvstore.statemachine.proto.DeleteOp;
import dev.kvstore.statemachine.proto.PutOp;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandDigestTest {

  private static ByteString digest(Command command) {
    return CommandDigest.of(command);
  }

  @Test
  void theSameCommandHasTheSameDigestWhateverItsRequestId() {
    Command command = putWithPrev("k", "v");
    assertThat(digest(command)).hasSize(CommandDigest.BYTES);
    assertThat(digest(putWithPrev("k", "v"))).isEqualTo(digest(command));
    assertThat(digest(withId(command, "client-1", 7))).isEqualTo(digest(command));
    assertThat(digest(withId(command, "client-2", 8))).isEqualTo(digest(command));
  }

  @Test
  void everyFieldOfTheCommandCounts() {
    List<Command> different = List.of(
        put("k", "v"),
        put("k2", "v"),
        put("k", "v2"),
        put("k", ""),
        putWithPrev("k", "v"),
        delete("k"),
        delete("k2"),
        Command.newBuilder().setDelete(DeleteOp.newBuilder().setKey("k")).build(),
        Command.getDefaultInstance());
    assertThat(different.stream().map(CommandDigestTest::digest).distinct()).hasSameSizeAs(different);
  }

  @Test
  void aPutAndADeleteWithTheSameFieldsDiffer() {
    // Same field numbers and values inside the op: only the oneof case tells them apart.
    Command asPut = Command.newBuilder().setPut(PutOp.newBuilder().setKey("k")).build();
    Command asDelete = Command.newBuilder().setDelete(DeleteOp.newBuilder().setKey("k")).build();
    assertThat(asPut.getPut().toByteString()).isEqualTo(asDelete.getDelete().toByteString());
    assertThat(digest(asPut)).isNotEqualTo(digest(asDelete));
  }

  @Test
  void aFieldThisVersionDoesNotKnowStillCounts() throws Exception {
    // As an older replica sees a command from a newer node: the field is kept as unknown.
    PutOp withNewField = PutOp.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
            .build())
        .build();
    Command parsed = Command.parseFrom(Command.newBuilder().setPut(withNewField).build().toByteArray());
    assertThat(digest(parsed)).isNotEqualTo(digest(put("k", "v")));
  }

  @Test
  void theDigestIsSha256OfTheCommandsWireBytesWithoutTheId() throws Exception {
    // Written out by hand, so that a change of encoding (which would refuse genuine retries
    // across a rolling restart) fails here: tag of field 2 (put), length 8, then key = "k"
    // (field 1), value = "v" (field 2), prev_kv = true (field 3).
    byte[] wire = HexFormat.of().parseHex("1208" + "0a016b" + "120176" + "1801");
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(wire);
    assertThat(digest(withId(putWithPrev("k", "v"), "client-1", 7)).toByteArray()).containsExactly(expected);
  }

  @Test
  void aLargeValueIsDigestedWhole() {
    byte[] big = new byte[1 << 20];
    Command command = Command.newBuilder()
        .setPut(PutOp.newBuilder().setKey("big").setValue(ByteString.copyFrom(big)))
        .build();
    big[big.length - 1] = 1;
    Command lastByteDiffers = Command.newBuilder()
        .setPut(PutOp.newBuilder().setKey("big").setValue(ByteString.copyFrom(big)))
        .build();
    assertThat(digest(command)).isNotEqualTo(digest(lastByteDiffers));
  }
}

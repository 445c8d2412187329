package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.WriteOutcome;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HexFormat;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request id names one write: a retry of that write gets its first result on any node, and a
 * different write that reuses the id is refused with FAILED_PRECONDITION instead of being
 * answered OK without being applied.
 */
class RequestIdReuseTest {

  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster();

  private static final String CLIENT = "client-0123456789";

  @Test
  void aDifferentWriteReusingARequestIdIsRefusedOnEveryNodeAndChangesNothing() {
    TestCluster cluster = SHARED.cluster();
    PutResponse first = cluster.kv("n1").put(put("reuse/a", "1", CLIENT, 5));
    long revision = first.getHeader().getRevision();
    String expected = "request id (client " + HexFormat.of().formatHex(CLIENT.getBytes(UTF_8))
        + ", sequence 5) was already used for a different write at revision " + revision
        + "; use a new sequence number";

    for (String node : cluster.ids()) {
      var kv = cluster.kv(node);
      assertRefused(() -> kv.put(put("reuse/b", "1", CLIENT, 5)), expected);
      assertRefused(() -> kv.put(put("reuse/a", "2", CLIENT, 5)), expected);
      assertRefused(() -> kv.put(put("reuse/a", "1", CLIENT, 5).toBuilder().setPrevKv(true).build()), expected);
      assertRefused(() -> kv.delete(DeleteRequest.newBuilder().setKey("reuse/a")
          .setRequestId(put("reuse/a", "1", CLIENT, 5).getRequestId()).build()), expected);
    }

    for (String node : cluster.ids()) {
      // Linearizable: each node has applied every refused command before it answers.
      assertThat(cluster.kv(node).get(Requests.get("reuse/b")).getFound()).as(node).isFalse();
      GetResponse a = cluster.kv(node).get(Requests.get("reuse/a"));
      assertThat(a.getValue().toStringUtf8()).as(node).isEqualTo("1");
      assertThat(a.getKv().getVersion()).as(node).isEqualTo(1);
      assertThat(a.getHeader().getRevision()).as(node).isEqualTo(revision);
    }
    // The id still names the first write: its genuine retry, on another node, gets its result.
    assertThat(cluster.kv("n3").put(put("reuse/a", "1", CLIENT, 5)).getHeader().getRevision()).isEqualTo(revision);
    assertThat(cluster.kv("n2").put(put("reuse/b", "1", CLIENT, 6)).getHeader().getRevision()).isEqualTo(revision + 1);
  }

  private static void assertRefused(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
      // Definitely not applied: no outcome-unknown trailer.
      assertThat(WriteOutcome.isUnknown(e.getTrailers())).isFalse();
    });
  }
}

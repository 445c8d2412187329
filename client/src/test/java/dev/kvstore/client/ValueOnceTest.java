package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.kvstore.api.EventType;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.GetResponse;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.ReadConsistency;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A value crosses the wire once ({@code omit_value}), and callers still see it in both fields. */
class ValueOnceTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final ByteString VALUE = ByteString.copyFromUtf8("a value");

  private final FakeCluster cluster = new FakeCluster();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private KvClient client(FakeKvServer server) {
    return cluster.track(KvClient.builder().endpoints(List.of(server.endpoint())).build());
  }

  @Test
  void getAsksForTheValueOnceAndTheCallerSeesItInBothFields() throws Exception {
    FakeKvServer node = cluster.node("n1");
    cluster.store().put("k", VALUE, null);
    KvClient client = client(node);

    GetResponse blocking = client.get("k");
    GetResponse async = client.async().get("k", ReadConsistency.SERIALIZABLE).get();

    assertThat(node.<GetRequest>requests("Get")).hasSize(2).allMatch(GetRequest::getOmitValue);
    for (GetResponse response : List.of(blocking, async)) {
      assertThat(response.getFound()).isTrue();
      assertThat(response.getKv().getValue()).isEqualTo(VALUE);
      assertThat(response.getValue()).isEqualTo(VALUE);
    }
  }

  @Test
  void aMissingKeyStillHasNoValue() {
    KvClient client = client(cluster.node("n1"));

    GetResponse response = client.get("absent");

    assertThat(response.getFound()).isFalse();
    assertThat(response.getValue()).isEmpty();
    assertThat(response.hasKv()).isFalse();
  }

  @Test
  void aWatchAsksForTheValueOnceAndEachEventCarriesItInBothFields() throws Exception {
    FakeKvServer node = cluster.node("n1");
    KvClient client = client(node);
    List<WatchResponse> events = watch(client);

    cluster.store().put("k", VALUE, null);
    cluster.store().delete("k", null);

    await().atMost(WAIT).until(() -> events.size() == 2);
    assertThat(node.<WatchRequest>requests("Watch")).singleElement().matches(WatchRequest::getOmitValue);
    assertThat(events.get(0).getType()).isEqualTo(EventType.PUT);
    assertThat(events.get(0).getKv().getValue()).isEqualTo(VALUE);
    assertThat(events.get(0).getValue()).isEqualTo(VALUE);
    assertThat(events.get(1).getType()).isEqualTo(EventType.DELETE);
    assertThat(events.get(1).getValue()).isEmpty();
  }

  @Test
  void aNodeThatIgnoresOmitValueStillServesTheSameMessages() throws Exception {
    FakeKvServer older = cluster.node("n1").ignoreOmitValue();
    cluster.store().put("k", VALUE, null);
    KvClient client = client(older);
    List<WatchResponse> events = watch(client);

    GetResponse response = client.get("k");
    cluster.store().put("k", VALUE.concat(VALUE), null);

    assertThat(response.getValue()).isEqualTo(VALUE);
    assertThat(response.getKv().getValue()).isEqualTo(VALUE);
    await().atMost(WAIT).until(() -> events.size() == 1);
    assertThat(events.get(0).getValue()).isEqualTo(VALUE.concat(VALUE));
    assertThat(events.get(0).getKv().getValue()).isEqualTo(VALUE.concat(VALUE));
  }

  @Test
  void aResponseWithOnlyTheLegacyValueIsLeftAsItCame() {
    // What the original server sent: no kv at all.
    GetResponse original = GetResponse.newBuilder().setKey("k").setFound(true).setValue(VALUE).build();
    WatchResponse event = WatchResponse.newBuilder().setType(EventType.PUT).setKey("k").setValue(VALUE).build();
    // A node that filled both.
    GetResponse both = original.toBuilder().setKv(KeyValue.newBuilder().setKey("k").setValue(VALUE)).build();

    assertThat(ValueOnceMethods.restore(original)).isSameAs(original);
    assertThat(ValueOnceMethods.restore(event)).isSameAs(event);
    assertThat(ValueOnceMethods.restore(both)).isSameAs(both);
  }

  private List<WatchResponse> watch(KvClient client) throws InterruptedException {
    List<WatchResponse> events = new CopyOnWriteArrayList<>();
    WatchSubscription subscription =
        cluster.track(client.watch(WatchOptions.forKey("k"), WatchListener.of(events::add, error -> { })));
    assertThat(subscription.awaitCreated(WAIT)).isTrue();
    return events;
  }
}

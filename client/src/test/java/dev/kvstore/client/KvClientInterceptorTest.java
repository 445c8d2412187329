package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.FakeCluster;
import dev.kvstore.testing.FakeKvServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link KvClient.Builder#interceptor}: the caller's interceptors on every channel, in order, after the client's own. */
class KvClientInterceptorTest {

  private final FakeCluster cluster = new FakeCluster();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  /** Records its name, the method and the compression the call options ask for. */
  private ClientInterceptor recording(String name) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
          CallOptions options, Channel next) {
        seen.add(name + " " + method.getBareMethodName() + " " + options.getCompressor());
        return next.newCall(method, options);
      }
    };
  }

  @Test
  void interceptorsSeeEveryCallInTheOrderAddedWithTheClientsCompression() {
    FakeKvServer node = cluster.node("n1");
    KvClient client = cluster.track(KvClient.builder().endpoints(node.endpoint()).compression(Compression.GZIP)
        .interceptor(recording("first")).interceptor(recording("second")).build());

    client.put("k", "v");

    assertThat(seen).containsSubsequence("first Put gzip", "second Put gzip");
    assertThat(seen.stream().filter(call -> call.contains(" Put "))).hasSize(2);
  }

  @Test
  void everyEndpointsChannelGoesThroughThem() {
    FakeKvServer one = cluster.node("n1");
    FakeKvServer two = cluster.node("n2");
    // Asks for gzip on its own: the nodes record which requests arrived compressed.
    ClientInterceptor gzip = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
          CallOptions options, Channel next) {
        return next.newCall(method, options.withCompression("gzip"));
      }
    };
    KvClient client = cluster.track(KvClient.builder().endpoints(List.of(one.endpoint(), two.endpoint()))
        .interceptor(gzip).build());
    client.put("k", "v");
    one.close();

    client.get("k");

    assertThat(one.requestEncodings("Put")).containsOnly("gzip");
    assertThat(two.requestEncodings("Get")).isNotEmpty().containsOnly("gzip");
  }
}

package dev.kvstore.node;

import static dev.kvstore.node.Requests.get;
import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvstore.api.AuthEnableRequest;
import dev.kvstore.api.AuthGrpc;
import dev.kvstore.api.AuthStatusRequest;
import dev.kvstore.api.AuthUserAddRequest;
import dev.kvstore.api.AuthUserGrantRoleRequest;
import dev.kvstore.api.AuthenticateRequest;
import dev.kvstore.api.Compare;
import dev.kvstore.api.DeleteRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.RequestOp;
import dev.kvstore.api.TxnRequest;
import dev.kvstore.node.audit.AuditSettings;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.node.auth.Authentication;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log of a known sequence of operations through a node: one line each, no secrets. */
class AuditLogTest {

  @TempDir
  Path dir;

  @Test
  void writesAuthAndRefusalsAreLoggedSucceededReadsAndSecretsAreNot() throws Exception {
    Path file = dir.resolve("audit/audit.log");
    try (TestCluster cluster = TestCluster.start(1, dir.resolve("data"), c -> c.withAudit(AuditSettings.to(file))
        .withAuth(new AuthSettings(Duration.ofMinutes(5), 4)))) {
      cluster.awaitLeader();
      KvStoreGrpc.KvStoreBlockingStub kv = cluster.kv("n1");
      AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(cluster.channel("n1"));

      long put = kv.put(put("a/1", "secret-value-1")).getHeader().getRevision();
      kv.get(get("a/1"));
      long txn = kv.txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey("a/1").setTarget(Compare.CompareTarget.VERSION)
              .setResult(Compare.CompareResult.GREATER).setVersion(0))
          .addSuccess(RequestOp.newBuilder().setRequestPut(put("a/2", "secret-value-2")))
          .build()).getHeader().getRevision();
      long delete = kv.delete(DeleteRequest.newBuilder().setKey("a/1").build()).getHeader().getRevision();
      auth.userAdd(AuthUserAddRequest.newBuilder().setName("carol").setPassword("carol-secret-pw").build());
      auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("root-secret-pw").build());
      auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
      auth.authEnable(AuthEnableRequest.getDefaultInstance());
      assertThat(auth.authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled()).isTrue();
      refused(() -> kv.put(put("a/3", "secret-value-3")), Status.Code.UNAUTHENTICATED);
      String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("carol")
          .setPassword("carol-secret-pw").build()).getToken();
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of(Authentication.TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER), token);
      KvStoreGrpc.KvStoreBlockingStub carol = kv.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      refused(() -> carol.put(put("b/1", "secret-value-4")), Status.Code.PERMISSION_DENIED);

      String text = Files.readString(file);
      List<JsonObject> lines = text.lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
      assertThat(lines).extracting(l -> l.get("op").getAsString()).containsExactly(
          "kvstore.KvStore/Put", "kvstore.KvStore/Txn", "kvstore.KvStore/Delete",
          "kvstore.Auth/UserAdd", "kvstore.Auth/UserAdd", "kvstore.Auth/UserGrantRole", "kvstore.Auth/AuthEnable",
          "kvstore.KvStore/Put", "kvstore.Auth/Authenticate", "kvstore.KvStore/Put");
      assertThat(lines).extracting(l -> l.get("result").getAsString()).containsExactly(
          "OK", "OK", "OK", "OK", "OK", "OK", "OK", "UNAUTHENTICATED", "OK", "PERMISSION_DENIED");
      assertThat(lines).allSatisfy(l -> {
        assertThat(l.get("node").getAsString()).isEqualTo("n1");
        assertThat(l.get("client").getAsString()).startsWith("127.0.0.1:");
        assertThat(Instant.parse(l.get("time").getAsString())).isNotNull();
      });

      assertLine(lines.get(0), "key", "a/1", put, "");
      assertThat(lines.get(1).get("keys").toString()).isEqualTo("[\"a/1\",\"a/2\"]");
      assertThat(lines.get(1).get("revision").getAsLong()).isEqualTo(txn);
      assertLine(lines.get(2), "key", "a/1", delete, "");
      assertThat(lines.get(3).get("name").getAsString()).isEqualTo("carol");
      assertThat(lines.get(5).get("name").getAsString()).isEqualTo("root");
      assertThat(lines.get(5).get("role").getAsString()).isEqualTo("root");
      // Refused by authentication, before any service read the request: no key, no revision.
      assertThat(lines.get(7).has("revision")).isFalse();
      assertThat(lines.get(7).get("user").getAsString()).isEmpty();
      assertThat(lines.get(8).get("name").getAsString()).isEqualTo("carol");
      assertThat(lines.get(9).get("user").getAsString()).isEqualTo("carol");
      assertThat(lines.get(9).get("key").getAsString()).isEqualTo("b/1");
      assertThat(lines.get(9).has("revision")).isFalse();

      assertThat(text).doesNotContain("secret-value", "secret-pw", token, "password");
    }
  }

  private static void assertLine(JsonObject line, String field, String subject, long revision, String user) {
    assertThat(line.get(field).getAsString()).isEqualTo(subject);
    assertThat(line.get("revision").getAsLong()).isEqualTo(revision);
    assertThat(line.get("user").getAsString()).isEqualTo(user);
  }

  private static void refused(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }
}

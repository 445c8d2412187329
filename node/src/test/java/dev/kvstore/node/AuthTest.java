package dev.kvstore.node;

import static dev.kvstore.node.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.AuthEnableRequest;
import dev.kvstore.api.AuthGrpc;
import dev.kvstore.api.AuthRoleAddRequest;
import dev.kvstore.api.AuthRoleGrantPermissionRequest;
import dev.kvstore.api.AuthRoleRevokePermissionRequest;
import dev.kvstore.api.AuthStatusRequest;
import dev.kvstore.api.AuthUserAddRequest;
import dev.kvstore.api.AuthUserChangePasswordRequest;
import dev.kvstore.api.AuthUserGrantRoleRequest;
import dev.kvstore.api.AuthUserListRequest;
import dev.kvstore.api.AuthenticateRequest;
import dev.kvstore.api.BackupRequest;
import dev.kvstore.api.BackupResponse;
import dev.kvstore.api.ClusterGrpc;
import dev.kvstore.api.GetRequest;
import dev.kvstore.api.KvStoreGrpc;
import dev.kvstore.api.MaintenanceGrpc;
import dev.kvstore.api.MemberAddRequest;
import dev.kvstore.api.MemberListRequest;
import dev.kvstore.api.MemberPromoteRequest;
import dev.kvstore.api.MemberRemoveRequest;
import dev.kvstore.api.MoveLeaderRequest;
import dev.kvstore.api.Permission;
import dev.kvstore.api.WatchRequest;
import dev.kvstore.api.WatchResponse;
import dev.kvstore.node.auth.AuthSettings;
import dev.kvstore.node.auth.Authentication;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authentication and authorisation through a 3-node cluster: root sets up a user with a prefix,
 * enables authentication, and from then on every call needs a token (from any member, good on any
 * member) and the permissions of its user.
 */
class AuthTest {

  /** bcrypt's lowest cost: the same checks, quicker hashes. */
  @RegisterExtension
  static final SharedCluster SHARED = new SharedCluster(
      c -> c.withAuth(new AuthSettings(Duration.ofMinutes(5), 4)));

  private static AuthGrpc.AuthBlockingStub auth(String node) {
    return AuthGrpc.newBlockingStub(SHARED.cluster().channel(node)).withDeadlineAfter(15, TimeUnit.SECONDS);
  }

  private static AuthGrpc.AuthBlockingStub auth(String node, String token) {
    return auth(node).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(token)));
  }

  private static KvStoreGrpc.KvStoreBlockingStub kv(String node, String token) {
    return SHARED.cluster().kv(node).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(token)));
  }

  private static Metadata tokenHeader(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(Authentication.TOKEN_HEADER, Metadata.ASCII_STRING_MARSHALLER), token);
    return headers;
  }

  private static String signIn(String node, String user, String password) {
    return auth(node).authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build())
        .getToken();
  }

  private static Permission prefix(Permission.Type type, String prefix) {
    return Permission.newBuilder().setType(type).setKey(prefix).setPrefix(true).build();
  }

  private static void fails(ThrowingCallable call, Status.Code code, String... messageParts) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      for (String part : messageParts) {
        assertThat(e.getStatus().getDescription()).contains(part);
      }
    });
  }

  /** Set up while authentication is off (anyone may), then enabled. */
  @BeforeAll
  static void rootAliceAndTheAppPrefix() {
    AuthGrpc.AuthBlockingStub open = auth("n1");
    open.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("root-pw").build());
    open.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    open.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("alice-pw").build());
    open.roleAdd(AuthRoleAddRequest.newBuilder().setName("app").build());
    open.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("app")
        .setPermission(prefix(Permission.Type.READWRITE, "app/")).build());
    open.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("app").build());
    open.authEnable(AuthEnableRequest.getDefaultInstance());
  }

  @Test
  void aCallWithoutCredentialsIsUnauthenticatedButHealthAndStatusStayOpen() {
    fails(() -> SHARED.cluster().kv("n2").put(put("app/x", "1")), Status.Code.UNAUTHENTICATED,
        "authentication is enabled", "--user");
    assertThat(auth("n2").authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled()).isTrue();
    assertThat(HealthGrpc.newBlockingStub(SHARED.cluster().channel("n2"))
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isNotNull();
  }

  @Test
  void aBackupNeedsTheRootRole() {
    String alice = signIn("n1", "alice", "alice-pw");
    String root = signIn("n1", "root", "root-pw");
    MaintenanceGrpc.MaintenanceBlockingStub maintenance = MaintenanceGrpc.newBlockingStub(SHARED.cluster().channel("n2"))
        .withDeadlineAfter(15, TimeUnit.SECONDS);

    Iterator<BackupResponse> denied = maintenance
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(alice)))
        .backup(BackupRequest.getDefaultInstance());
    fails(denied::hasNext, Status.Code.PERMISSION_DENIED, "user 'alice' does not have the role 'root'",
        "saving a backup");
    Iterator<BackupResponse> allowed = maintenance
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(root)))
        .backup(BackupRequest.getDefaultInstance());
    long bytes = 0;
    BackupResponse last = null;
    while (allowed.hasNext()) {
      last = allowed.next();
      bytes += last.getBlob().size();
    }
    assertThat(last).isNotNull();
    assertThat(last.getDone()).isTrue();
    assertThat(bytes).isEqualTo(last.getSizeBytes());
  }

  @Test
  void aWrongPasswordAndAnUnknownUserGetTheSameAnswer() {
    fails(() -> signIn("n1", "alice", "nope"), Status.Code.UNAUTHENTICATED, "wrong user name or password");
    fails(() -> signIn("n1", "nobody", "nope"), Status.Code.UNAUTHENTICATED, "wrong user name or password");
  }

  @Test
  void aTokenFromOneMemberWorksOnAnotherWithinItsUsersPermissions() {
    String token = signIn("n1", "alice", "alice-pw");
    long revision = kv("n2", token).put(put("app/config", "on")).getHeader().getRevision();
    assertThat(revision).isPositive();
    assertThat(kv("n3", token).get(GetRequest.newBuilder().setKey("app/config").build()).getValue().toStringUtf8())
        .isEqualTo("on");

    fails(() -> kv("n2", token).put(put("other/x", "1")), Status.Code.PERMISSION_DENIED,
        "user 'alice' may not write key 'other/x'");
    fails(() -> kv("n3", token).get(GetRequest.newBuilder().setKey("other/x").build()),
        Status.Code.PERMISSION_DENIED, "user 'alice' may not read key 'other/x'");
  }

  @Test
  void aWatchOutsideTheUsersRangesIsRefused() {
    String token = signIn("n1", "alice", "alice-pw");
    Iterator<WatchResponse> refused = kv("n1", token).watch(WatchRequest.newBuilder().setKey("").setPrefix(true).build());
    fails(refused::next, Status.Code.PERMISSION_DENIED, "may not read every key");
    Iterator<WatchResponse> allowed = kv("n1", token).watch(WatchRequest.newBuilder().setKey("app/").setPrefix(true).build());
    assertThat(allowed.next().getCreated()).isTrue();
  }

  @Test
  void signingInAgainWorksWhateverTokenTheCallStillCarries() {
    // A client whose token expired signs in again: the open calls ignore a bad token.
    assertThat(auth("n3", "expired-or-forged").authenticate(AuthenticateRequest.newBuilder().setName("alice")
        .setPassword("alice-pw").build()).getToken()).isNotEmpty();
    assertThat(auth("n3", "expired-or-forged").authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled()).isTrue();
  }

  @Test
  void aForgedTokenIsRefused() {
    String token = signIn("n1", "alice", "alice-pw");
    String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    fails(() -> kv("n1", forged).put(put("app/x", "1")), Status.Code.UNAUTHENTICATED, "signature does not match");
  }

  @Test
  void onlyTheRootRoleManagesUsers() {
    String alice = signIn("n2", "alice", "alice-pw");
    fails(() -> auth("n2", alice).userAdd(AuthUserAddRequest.newBuilder().setName("mallory").setPassword("x").build()),
        Status.Code.PERMISSION_DENIED, "does not have the role 'root'");
    fails(() -> auth("n2", alice).userList(AuthUserListRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED);
    String root = signIn("n2", "root", "root-pw");
    assertThat(auth("n3", root).userList(AuthUserListRequest.getDefaultInstance()).getUsersList())
        .contains("alice", "root");
  }

  @Test
  void membershipChangesNeedTheRootRoleAndTheListAnySignedInUser() {
    String alice = signIn("n2", "alice", "alice-pw");
    ClusterGrpc.ClusterBlockingStub asAlice = ClusterGrpc.newBlockingStub(SHARED.cluster().channel("n2"))
        .withDeadlineAfter(15, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(alice)));
    assertThat(asAlice.memberList(MemberListRequest.getDefaultInstance()).getMembersCount()).isEqualTo(3);
    fails(() -> asAlice.memberRemove(MemberRemoveRequest.newBuilder().setId("n3").build()),
        Status.Code.PERMISSION_DENIED, "removing a member");
    fails(() -> asAlice.memberAdd(MemberAddRequest.newBuilder().setId("n9").setRaftAddress("127.0.0.1:1").build()),
        Status.Code.PERMISSION_DENIED, "adding a member");
    fails(() -> asAlice.moveLeader(MoveLeaderRequest.newBuilder().setTargetId("n1").build()),
        Status.Code.PERMISSION_DENIED, "moving the leader");
    String root = signIn("n2", "root", "root-pw");
    ClusterGrpc.ClusterBlockingStub asRoot = ClusterGrpc.newBlockingStub(SHARED.cluster().channel("n2"))
        .withDeadlineAfter(15, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tokenHeader(root)));
    // Root passes the check and reaches the membership rules.
    fails(() -> asRoot.memberPromote(MemberPromoteRequest.newBuilder().setId("n3").build()),
        Status.Code.FAILED_PRECONDITION, "n3 is already a voter");
  }

  @Test
  void aRevokedPermissionStopsTheNextWriteOnEveryMember() {
    String root = signIn("n1", "root", "root-pw");
    auth("n1", root).userAdd(AuthUserAddRequest.newBuilder().setName("bob").setPassword("bob-pw").build());
    auth("n1", root).roleAdd(AuthRoleAddRequest.newBuilder().setName("logs").build());
    auth("n1", root).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("logs")
        .setPermission(prefix(Permission.Type.WRITE, "logs/")).build());
    auth("n1", root).userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("bob").setRole("logs").build());
    String bob = signIn("n2", "bob", "bob-pw");
    kv("n3", bob).put(put("logs/1", "a"));

    auth("n1", root).roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole("logs")
        .setKey("logs/").setPrefix(true).build());
    for (String node : SHARED.cluster().ids()) {
      fails(() -> kv(node, bob).put(put("logs/2", "b")), Status.Code.PERMISSION_DENIED, "may not write key 'logs/2'");
    }
  }

  @Test
  void aPasswordChangeEndsTheUsersTokens() {
    String root = signIn("n1", "root", "root-pw");
    auth("n1", root).userAdd(AuthUserAddRequest.newBuilder().setName("carol").setPassword("old-pw").build());
    String carol = signIn("n3", "carol", "old-pw");
    auth("n1", root).userChangePassword(AuthUserChangePasswordRequest.newBuilder().setName("carol")
        .setPassword("new-pw").build());
    fails(() -> kv("n1", carol).get(GetRequest.newBuilder().setKey("app/x").build()), Status.Code.UNAUTHENTICATED,
        "password of user 'carol' changed");
    fails(() -> signIn("n1", "carol", "old-pw"), Status.Code.UNAUTHENTICATED);
    assertThat(signIn("n1", "carol", "new-pw")).isNotEmpty();
  }

  @Test
  void badAuthRequestsSayWhatIsWrong() {
    String root = signIn("n1", "root", "root-pw");
    fails(() -> auth("n1", root).userAdd(AuthUserAddRequest.newBuilder().setName("dave").setPassword("x".repeat(80))
        .build()), Status.Code.INVALID_ARGUMENT, "80 bytes", "at most 72");
    fails(() -> auth("n1", root).userAdd(AuthUserAddRequest.newBuilder().setName("").setPassword("pw").build()),
        Status.Code.INVALID_ARGUMENT, "user name must not be empty");
    fails(() -> auth("n1", root).userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("pw").build()),
        Status.Code.FAILED_PRECONDITION, "user 'alice' already exists");
    fails(() -> auth("n1", root).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("app")
        .setPermission(Permission.newBuilder().setKey("b").setRangeEnd("a")).build()),
        Status.Code.INVALID_ARGUMENT);
  }
}

package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.GetResponse;
import dev.kvstore.api.MemberHints;
import dev.kvstore.api.ResponseHeader;
import io.grpc.Metadata;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterViewTest {

  private static final Endpoint E1 = new Endpoint("127.0.0.1", 1);
  private static final Endpoint E2 = new Endpoint("127.0.0.1", 2);
  private static final Endpoint E3 = new Endpoint("127.0.0.1", 3);

  private final ClusterView view = new ClusterView();

  @Test
  void knowsNoLeaderUntilTold() {
    assertThat(view.leaderEndpoint()).isEmpty();
    // No leader named yet: nothing to look for.
    assertThat(view.leaderEndpointUnknown()).isFalse();
  }

  @Test
  void aLeaderIsUsableOnceItsEndpointHasAnswered() {
    view.learn(E1, new MemberHint("n1", "n3", 2));
    assertThat(view.leaderEndpoint()).as("n3's endpoint is not known yet").isEmpty();

    assertThat(view.leaderEndpointUnknown()).isTrue();
    assertThat(view.knows(E1)).isTrue();
    assertThat(view.knows(E3)).isFalse();

    view.learn(E3, new MemberHint("n3", "n3", 2));

    assertThat(view.leaderEndpoint()).contains(E3);
    assertThat(view.leaderEndpointUnknown()).isFalse();
    assertThat(view.knows(E3)).isTrue();
  }

  @Test
  void aHigherTermReplacesTheLeaderAndALowerTermIsIgnored() {
    view.learn(E2, new MemberHint("n2", "n2", 4));
    view.learn(E3, new MemberHint("n3", "n3", 5));
    assertThat(view.leaderEndpoint()).contains(E3);

    view.learn(E2, new MemberHint("n2", "n2", 4));

    assertThat(view.leaderEndpoint()).contains(E3);
  }

  @Test
  void aHigherTermWithoutALeaderClearsIt() {
    view.learn(E1, new MemberHint("n1", "n1", 3));

    view.learn(E2, new MemberHint("n2", "", 4));

    assertThat(view.leaderEndpoint()).isEmpty();
    view.learn(E1, new MemberHint("n1", "n1", 4));
    assertThat(view.leaderEndpoint()).contains(E1);
  }

  @Test
  void aLeaderWhoseEndpointFailedIsDistrustedUntilItServesAgain() {
    view.learn(E1, new MemberHint("n1", "n1", 3));
    view.failed(E1);
    assertThat(view.leaderEndpoint()).isEmpty();

    // Followers that have not noticed yet keep naming it in the same term: not a confirmation.
    view.learn(E2, new MemberHint("n2", "n1", 3));
    assertThat(view.leaderEndpoint()).isEmpty();

    view.served(E1);
    assertThat(view.leaderEndpoint()).contains(E1);
  }

  @Test
  void aNewTermConfirmsALeaderEvenAtAnEndpointThatFailed() {
    view.learn(E1, new MemberHint("n1", "n1", 3));
    view.failed(E1);

    view.learn(E2, new MemberHint("n2", "n1", 4));

    assertThat(view.leaderEndpoint()).contains(E1);
  }

  @Test
  void failuresOfOtherEndpointsDoNotTouchTheLeader() {
    view.learn(E1, new MemberHint("n1", "n1", 3));
    view.failed(E2);
    assertThat(view.leaderEndpoint()).contains(E1);
  }

  @Test
  void anAddressThatAnswersAsAnotherMemberNoLongerStandsForTheFirst() {
    view.learn(E1, new MemberHint("n1", "n1", 3));

    view.learn(E1, new MemberHint("n4", "n1", 3));

    assertThat(view.leaderEndpoint()).isEmpty();
  }

  @Test
  void hintsAreReadFromResponseHeadersAndErrorTrailers() {
    ResponseHeader header = ResponseHeader.newBuilder().setMemberId("n2").setLeaderId("n1").setRaftTerm(7).build();
    assertThat(MemberHint.ofHeader(GetResponse.newBuilder().setHeader(header).build().getHeader()))
        .contains(new MemberHint("n2", "n1", 7));
    assertThat(MemberHint.ofHeader(GetResponse.getDefaultInstance().getHeader())).isEmpty();

    Metadata trailers = MemberHints.addTo(new Metadata(), "n3", Optional.empty(), 8);
    assertThat(MemberHint.ofTrailers(trailers)).contains(new MemberHint("n3", "", 8));
    assertThat(MemberHint.ofTrailers(new Metadata())).isEmpty();
  }
}

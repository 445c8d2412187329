package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class ConnectionLossTest {

  @Test
  void unknownCausedByAClosedChannelIsUnavailable() {
    ClosedChannelException closed = new ClosedChannelException();
    Status status = ConnectionLoss.asUnavailable(Status.UNKNOWN.withDescription("channel closed").withCause(closed));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("connection lost: channel closed");
    assertThat(status.getCause()).isSameAs(closed);
  }

  @Test
  void aClosedChannelDeeperInTheCauseChainCounts() {
    Throwable wrapped = new IllegalStateException("write failed", new ClosedChannelException());

    assertThat(ConnectionLoss.asUnavailable(Status.UNKNOWN.withCause(wrapped)).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aServersOwnUnknownStaysUnknown() {
    Status fromServer = Status.UNKNOWN.withDescription("application error");

    assertThat(ConnectionLoss.asUnavailable(fromServer)).isSameAs(fromServer);
  }

  @Test
  void unknownWithAnotherCauseStaysUnknown() {
    Status other = Status.UNKNOWN.withCause(new IOException("bad frame"));

    assertThat(ConnectionLoss.asUnavailable(other)).isSameAs(other);
  }

  @Test
  void otherCodesAreLeftAsTheyAre() {
    Status cancelled = Status.CANCELLED.withCause(new ClosedChannelException());

    assertThat(ConnectionLoss.asUnavailable(cancelled)).isSameAs(cancelled);
  }
}

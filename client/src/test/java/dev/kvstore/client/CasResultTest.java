package dev.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyValue;
import dev.kvstore.api.PutResponse;
import dev.kvstore.api.RangeResponse;
import dev.kvstore.api.ResponseHeader;
import dev.kvstore.api.ResponseOp;
import dev.kvstore.api.TxnResponse;
import org.junit.jupiter.api.Test;

/** What a compare-and-swap's answer says, including the answer a retried one gets. */
class CasResultTest {

  private static final KeyValue CURRENT = KeyValue.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))
      .setModRevision(7).build();

  private static TxnResponse lost(RangeResponse read) {
    return TxnResponse.newBuilder().setSucceeded(false).setHeader(ResponseHeader.newBuilder().setRevision(9))
        .addResponses(ResponseOp.newBuilder().setResponseRange(read)).build();
  }

  @Test
  void aLostSwapCarriesTheEntryItFound() {
    TxnResponse first = lost(RangeResponse.newBuilder().setCount(1).addKvs(CURRENT).build());
    assertThat(CasResult.lostWithoutItsEntry(first)).isFalse();
    assertThat(CasResult.of(first)).isEqualTo(new CasResult(false, 9, CURRENT));
  }

  @Test
  void aRetriedLostSwapAnsweredWithoutItsEntryIsReadAgainAtItsRevision() {
    TxnResponse retried = lost(RangeResponse.newBuilder().setCount(1).build());
    assertThat(CasResult.lostWithoutItsEntry(retried)).isTrue();
    assertThat(CasResult.lost(retried, RangeResponse.newBuilder().setCount(1).addKvs(CURRENT).build()))
        .isEqualTo(new CasResult(false, 9, CURRENT));
  }

  @Test
  void aLostSwapOnAnAbsentKeyAndAWonOneNeedNoSecondRead() {
    assertThat(CasResult.lostWithoutItsEntry(lost(RangeResponse.getDefaultInstance()))).isFalse();
    TxnResponse won = TxnResponse.newBuilder().setSucceeded(true)
        .addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance())).build();
    assertThat(CasResult.lostWithoutItsEntry(won)).isFalse();
  }
}

package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.Compare;
import dev.kvstore.api.RequestLimits;
import dev.kvstore.api.TxnRequest;
import org.junit.jupiter.api.Test;

class TxnScriptTest {

  private static TxnRequest parse(String... lines) {
    TxnScript script = new TxnScript();
    for (String line : lines) {
      script.line(line);
    }
    return script.request();
  }

  @Test
  void everyCompareTargetAndOperator() {
    TxnRequest txn = parse("val(\"a\") = \"x y\"", "ver(\"b\") != 2", "create(\"c\", \"d\") < \"5\"",
        "mod(\"e\") > 0", "lease(\"f\") == 7");

    assertThat(txn.getCompare(0).getValue().toStringUtf8()).isEqualTo("x y");
    assertThat(txn.getCompare(1).getResult()).isEqualTo(Compare.CompareResult.NOT_EQUAL);
    assertThat(txn.getCompare(1).getVersion()).isEqualTo(2);
    assertThat(txn.getCompare(2).getRangeEnd()).isEqualTo("d");
    assertThat(txn.getCompare(2).getCreateRevision()).isEqualTo(5);
    assertThat(txn.getCompare(3).getResult()).isEqualTo(Compare.CompareResult.GREATER);
    assertThat(txn.getCompare(4).getTarget()).isEqualTo(Compare.CompareTarget.LEASE);
    assertThat(txn.getCompare(4).getLease()).isEqualTo(7);
  }

  @Test
  void opsWithTheirOptionsInBothBranches() {
    TxnRequest txn = parse("", "put --prev-kv \"a key\" \"line\\none\"", "get --prefix --limit=3 --keys-only p/",
        "del a \\0", "", "get --count-only a z");

    assertThat(txn.getSuccess(0).getRequestPut().getKey()).isEqualTo("a key");
    assertThat(txn.getSuccess(0).getRequestPut().getValue().toStringUtf8()).isEqualTo("line\none");
    assertThat(txn.getSuccess(0).getRequestPut().getPrevKv()).isTrue();
    assertThat(txn.getSuccess(1).getRequestRange().getPrefix()).isTrue();
    assertThat(txn.getSuccess(1).getRequestRange().getLimit()).isEqualTo(3);
    assertThat(txn.getSuccess(1).getRequestRange().getKeysOnly()).isTrue();
    assertThat(txn.getSuccess(2).getRequestDeleteRange().getRangeEnd()).isEqualTo(RequestLimits.ALL_FROM_KEY);
    assertThat(txn.getFailure(0).getRequestRange().getRangeEnd()).isEqualTo("z");
    assertThat(txn.getFailure(0).getRequestRange().getCountOnly()).isTrue();
  }

  @Test
  void theScriptEndsAtTheBlankLineAfterTheFailureOps() {
    TxnScript script = new TxnScript();
    assertThat(script.line("")).isTrue();
    assertThat(script.line("")).isTrue();
    assertThat(script.section()).isEqualTo(2);
    assertThat(script.line("")).isFalse();
  }

  @Test
  void mistakesNameTheirLine() {
    assertThatThrownBy(() -> parse("mod(\"k\") = many")).hasMessage("line 1: 'many' is not a whole number");
    assertThatThrownBy(() -> parse("size(\"k\") = 1")).hasMessageContaining("unknown compare target 'size'");
    assertThatThrownBy(() -> parse("", "frob k")).hasMessageStartingWith("line 2: unknown op 'frob'");
    assertThatThrownBy(() -> parse("", "get --prev-kv k")).hasMessageContaining("not one of get's");
    assertThatThrownBy(() -> parse("", "del --prefix a b")).hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> parse("", "put k \"open")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> parse("", "", "", "", "put k v")).hasMessageContaining("fourth");
  }
}

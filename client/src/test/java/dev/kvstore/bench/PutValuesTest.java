package dev.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PutValuesTest {

  private static List<ByteString> draw(PutValues values, int count) {
    return Stream.generate(values::next).limit(count).toList();
  }

  private static boolean letterOrDigit(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
  }

  @Test
  void everyKindGivesValuesOfTheAskedSize() {
    for (ValueKind kind : ValueKind.values()) {
      assertThat(draw(PutValues.of(kind, 4096, 42), 5)).as(kind.label()).allSatisfy(v -> assertThat(v.size()).isEqualTo(4096));
      assertThat(PutValues.of(kind, 0, 42).next().isEmpty()).as(kind.label()).isTrue();
      assertThat(PutValues.of(kind, 256, 42).size()).isEqualTo(256);
    }
  }

  @Test
  void templateIsTheOneSampleValueForEveryPut() {
    List<ByteString> values = draw(PutValues.of(ValueKind.TEMPLATE, 256, 42), 10);

    assertThat(new HashSet<>(values)).containsExactly(ByteString.copyFrom(KeySpace.sampleValue(256, 42)));
  }

  @Test
  void printableGivesEachPutItsOwnLettersAndDigits() {
    List<ByteString> values = draw(PutValues.of(ValueKind.PRINTABLE, 256, 42), 100);

    assertThat(new HashSet<>(values)).hasSize(100);
    assertThat(values).allSatisfy(value -> {
      for (byte b : value.toByteArray()) {
        assertThat(letterOrDigit(b)).as("byte %d", b).isTrue();
      }
    });
  }

  @Test
  void randomGivesEachPutItsOwnBytesOfAnyValue() {
    List<ByteString> values = draw(PutValues.of(ValueKind.RANDOM, 4096, 42), 20);

    assertThat(new HashSet<>(values)).hasSize(20);
    Set<Byte> seen = new HashSet<>();
    values.forEach(value -> value.forEach(seen::add));
    // 80 KiB of random bytes take every one of the 256 values.
    assertThat(seen).hasSize(256);
    assertThat(values.get(0).toByteArray()).satisfies(bytes ->
        assertThat(IntStream.range(0, bytes.length).filter(i -> !letterOrDigit(bytes[i])).count()).isGreaterThan(2000));
  }

  @Test
  void theSameSeedDrawsTheSameSequenceAndAnotherSeedAnother() {
    for (ValueKind kind : List.of(ValueKind.PRINTABLE, ValueKind.RANDOM)) {
      assertThat(draw(PutValues.of(kind, 64, 7), 5)).as(kind.label()).isEqualTo(draw(PutValues.of(kind, 64, 7), 5));
      assertThat(draw(PutValues.of(kind, 64, 7), 5)).as(kind.label()).doesNotContainAnyElementsOf(draw(PutValues.of(kind, 64, 8), 5));
    }
  }

  @Test
  void alwaysGivesTheCallersValue() {
    ByteString value = ByteString.copyFromUtf8("v");

    assertThat(draw(PutValues.always(value), 3)).containsOnly(value);
    assertThat(PutValues.always(value).kind()).isEqualTo(ValueKind.TEMPLATE);
  }

  @Test
  void kindsAreNamedAsOnTheCommandLine() {
    assertThat(ValueKind.of(" Printable ")).isEqualTo(ValueKind.PRINTABLE);
    assertThat(ValueKind.of("random")).isEqualTo(ValueKind.RANDOM);
    assertThatThrownBy(() -> ValueKind.of("zeros"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown value kind 'zeros'; use template, printable, random");
    assertThatThrownBy(() -> PutValues.of(ValueKind.RANDOM, -1, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}

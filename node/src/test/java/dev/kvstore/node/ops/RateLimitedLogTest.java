package dev.kvstore.node.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final Logger logger = (Logger) LoggerFactory.getLogger(RateLimitedLogTest.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), nanos::get);

  @BeforeEach
  void capture() {
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
  }

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  private List<String> messages() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void logsTheFirstEventOfAKindAndDropsTheRestOfTheInterval() {
    for (int i = 0; i < 5; i++) {
      log.warn("bad request", "refused request {}", i);
      advance(Duration.ofSeconds(1));
    }

    assertThat(messages()).containsExactly("refused request 0");
  }

  @Test
  void theNextLineAfterTheIntervalSaysHowManyWereLeftOut() {
    log.warn("bad request", "refused request {}", 0);
    log.warn("bad request", "refused request {}", 1);
    log.warn("bad request", "refused request {}", 2);
    advance(Duration.ofSeconds(10));
    log.warn("bad request", "refused request {}", 3);
    advance(Duration.ofSeconds(10));
    log.warn("bad request", "refused request {}", 4);

    assertThat(messages()).containsExactly(
        "refused request 0",
        "refused request 3 (2 more like this since the last such line were not logged)",
        "refused request 4");
  }

  @Test
  void kindsAreLimitedSeparately() {
    log.warn("bad request", "a");
    log.warn("transport", "b");
    log.warn("bad request", "c");

    assertThat(messages()).containsExactly("a", "b");
  }

  @Test
  void errorsCarryTheirStackTrace() {
    IllegalStateException bug = new IllegalStateException("boom");
    log.error("internal", bug, "Put failed: {}", bug.toString());
    log.error("internal", bug, "Put failed: {}", bug.toString());

    assertThat(lines.list).hasSize(1);
    assertThat(lines.list.get(0).getThrowableProxy().getMessage()).isEqualTo("boom");
  }

  @Test
  void aDisabledLevelCountsNothing() {
    Logger quiet = (Logger) LoggerFactory.getLogger("quiet-" + RateLimitedLogTest.class.getName());
    quiet.setLevel(ch.qos.logback.classic.Level.ERROR);
    quiet.addAppender(lines);
    RateLimitedLog quietLog = new RateLimitedLog(quiet, Duration.ofSeconds(10), nanos::get);

    quietLog.warn("bad request", "dropped");
    quietLog.error("bad request", null, "kept");

    assertThat(messages()).containsExactly("kept");
    quiet.detachAppender(lines);
  }
}

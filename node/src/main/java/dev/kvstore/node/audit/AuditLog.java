package dev.kvstore.node.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The audit log file: one line per {@link #write}, through a dedicated Logback logger (not
 * additive: audit lines stay out of the node's own log, and its lines out of this file) with a
 * {@link RollingFileAppender} set up in code. At {@link AuditSettings#maxFileBytes()} the file is
 * renamed {@code FILE.1} (older ones shift to {@code .2} ...), and beyond {@link
 * AuditSettings#maxFiles()} rotated files the oldest is deleted. Each line is flushed to the file
 * (not fsynced) before {@link #write} returns.
 */
public final class AuditLog implements AutoCloseable {

  private final ch.qos.logback.classic.Logger logger;
  private final RollingFileAppender<ILoggingEvent> appender;

  private AuditLog(ch.qos.logback.classic.Logger logger, RollingFileAppender<ILoggingEvent> appender) {
    this.logger = logger;
    this.appender = appender;
  }

  /**
   * Opens (appends to) the file of {@code settings}, creating its directory.
   *
   * @param loggerName distinct per node in one JVM (nodes embedded in a test share Logback's context)
   * @throws IOException when the file cannot be created or written, naming it
   */
  public static AuditLog open(AuditSettings settings, String loggerName) throws IOException {
    Path file = settings.file().toAbsolutePath();
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(file.getParent())) {
      throw new IOException("cannot write the audit log " + file + ": permission denied");
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName(loggerName);
    appender.setFile(file.toString());

    FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
    rolling.setContext(context);
    rolling.setParent(appender);
    rolling.setFileNamePattern(file + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(settings.maxFiles());
    rolling.start();
    SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
    trigger.setContext(context);
    trigger.setMaxFileSize(new FileSize(settings.maxFileBytes()));
    trigger.start();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();

    appender.setRollingPolicy(rolling);
    appender.setTriggeringPolicy(trigger);
    appender.setEncoder(encoder);
    appender.start();
    if (!appender.isStarted()) {
      throw new IOException("cannot open the audit log " + file + " (see the errors Logback printed)");
    }
    ch.qos.logback.classic.Logger logger = context.getLogger(loggerName);
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
    return new AuditLog(logger, appender);
  }

  /** Appends one line; {@code line} must not contain a line break (JSON from Gson does not). */
  public void write(String line) {
    logger.info(line);
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}

package dev.kvstore.node;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Records every log event from now until closed, including gRPC's and Netty's, which log through
 * java.util.logging: as in a node process, that is bridged to SLF4J while the capture is open.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final boolean bridged;

  /** Starts recording (and bridges java.util.logging to SLF4J if it was not). */
  public LogCapture() {
    bridged = !SLF4JBridgeHandler.isInstalled();
    if (bridged) {
      SLF4JBridgeHandler.install();
    }
    appender.start();
    root.addAppender(appender);
  }

  /** The events recorded so far from loggers whose name starts with {@code prefix}. */
  public List<ILoggingEvent> from(String prefix) {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLoggerName().startsWith(prefix)).toList();
    }
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    if (bridged) {
      SLF4JBridgeHandler.uninstall();
    }
  }
}

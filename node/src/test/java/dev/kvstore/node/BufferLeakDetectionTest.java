package dev.kvstore.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BufferLeakDetectionTest {

  private ResourceLeakDetector.Level grpcBefore;
  private org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level ratisBefore;

  @BeforeEach
  void remember() {
    grpcBefore = ResourceLeakDetector.getLevel();
    ratisBefore = org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel();
  }

  /** The rest of the suite runs nodes in this JVM and keeps Netty's detector as it was. */
  @AfterEach
  void restore() {
    System.clearProperty(BufferLeakDetection.GRPC_PROPERTY);
    System.clearProperty(BufferLeakDetection.RATIS_PROPERTY);
    ResourceLeakDetector.setLevel(grpcBefore);
    org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(ratisBefore);
  }

  @Test
  void aNodeTurnsTheDetectorOffInBothNettyCopies() {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
        org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.SIMPLE);

    BufferLeakDetection.apply();

    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    assertThat(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel())
        .isEqualTo(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED);
  }

  @Test
  void aLevelAskedForOnTheCommandLineStays() {
    System.setProperty(BufferLeakDetection.GRPC_PROPERTY, "paranoid");
    System.setProperty(BufferLeakDetection.RATIS_PROPERTY, "advanced");
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
        org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.ADVANCED);

    BufferLeakDetection.apply();

    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    assertThat(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel())
        .isEqualTo(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.ADVANCED);
  }
}

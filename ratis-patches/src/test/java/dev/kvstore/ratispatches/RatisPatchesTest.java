package dev.kvstore.ratispatches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLog;
import org.junit.jupiter.api.Test;

/** The start-up check, on class paths built in both orders from this module and ratis-server. */
class RatisPatchesTest {

  private static final URL PATCHES = RatisPatches.class.getProtectionDomain().getCodeSource().getLocation();
  private static final URL RATIS_SERVER = SegmentedRaftLog.class.getProtectionDomain().getCodeSource().getLocation();
  /** What a patched class extends or implements from outside ratis-server (LeaderStateImpl's LeaderState). */
  private static final URL RATIS_SERVER_API = LeaderState.class.getProtectionDomain().getCodeSource().getLocation();

  @Test
  void passesWhenThePatchesComeFirst() {
    assertThatCode(() -> requireLoadedOn(PATCHES, RATIS_SERVER)).doesNotThrowAnyException();
  }

  @Test
  void namesTheClassAndTheFixWhenRatisServerComesFirst() {
    Throwable refused = null;
    try {
      requireLoadedOn(RATIS_SERVER, PATCHES);
    } catch (InvocationTargetException e) {
      refused = e.getCause();
    } catch (ReflectiveOperationException | IOException e) {
      throw new AssertionError(e);
    }
    assertThat(refused)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SegmentedRaftLogWorker")
        .hasMessageContaining("put kvstore-ratis-patches before ratis-server");
  }

  private static void requireLoadedOn(URL first, URL second)
      throws ReflectiveOperationException, IOException {
    try (URLClassLoader loader = new URLClassLoader(new URL[] {first, second, RATIS_SERVER_API},
        ClassLoader.getPlatformClassLoader())) {
      loader.loadClass(RatisPatches.class.getName()).getMethod("requireLoaded").invoke(null);
    }
  }
}

package dev.kvstore.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Finds ports on 127.0.0.1 for processes a test starts (below the ephemeral range). */
final class FreePorts {

  private FreePorts() {}

  /** First of {@code count} consecutive ports that are all free on 127.0.0.1 now. */
  static int range(int count) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      if (allFree(base, count)) {
        return base;
      }
    }
    throw new IOException("no free range of " + count + " ports found in [20000, 32000)");
  }

  private static boolean allFree(int base, int count) {
    for (int p = base; p < base + count; p++) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}

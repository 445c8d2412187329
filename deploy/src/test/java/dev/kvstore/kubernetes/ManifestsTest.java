package dev.kvstore.kubernetes;

import static dev.kvstore.kubernetes.Manifests.list;
import static dev.kvstore.kubernetes.Manifests.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests in deploy/kubernetes, checked offline on every build: they parse, use
 * only known kinds, and form a working cluster (ManifestRules: odd replicas, peers that match the
 * replicas and the headless Service, probes on the client port, a volume per pod, Services and a
 * PodDisruptionBudget that select the pods, resource requests, non-root), plain and with TLS.
 */
class ManifestsTest {

  private static final Path KUBERNETES = Path.of(System.getProperty("basedir", ".")).resolve("kubernetes");
  private static final Path BASE = KUBERNETES.resolve("base");
  private static final Path SECURE = KUBERNETES.resolve("secure");

  @Test
  void everyFileParsesAndBelongsToAKustomization() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).isNotEmpty();
    Set<Path> referenced = new TreeSet<>();
    for (Path file : files) {
      List<Map<String, Object>> documents = Manifests.read(file);
      assertThat(documents).as(file.toString()).isNotEmpty();
      if (file.getFileName().toString().equals("kustomization.yaml")) {
        Map<String, Object> kustomization = documents.get(0);
        assertThat(kustomization.get("kind")).as(file.toString()).isEqualTo("Kustomization");
        Path dir = file.getParent();
        for (Object resource : list(kustomization.get("resources"))) {
          Path path = dir.resolve(resource.toString()).normalize();
          assertThat(path).as(file + " lists " + resource).exists();
          referenced.add(Files.isDirectory(path) ? path.resolve("kustomization.yaml") : path);
        }
        for (Object patch : list(kustomization.get("patches"))) {
          Path path = dir.resolve(map(patch).get("path").toString()).normalize();
          assertThat(path).as(file + " patches with " + path).exists();
          referenced.add(path);
        }
      }
    }
    // Only the top folders are applied directly (kubectl apply -k deploy/kubernetes/base or .../secure).
    referenced.add(BASE.resolve("kustomization.yaml").normalize());
    referenced.add(SECURE.resolve("kustomization.yaml").normalize());
    assertThat(files.stream().map(Path::normalize).toList()).as("files no kustomization uses")
        .allMatch(referenced::contains);
  }

  @Test
  void theBaseFormsAWorkingCluster() {
    List<Map<String, Object>> objects = Manifests.render(BASE);
    assertThat(objects).extracting(Manifests::identity)
        .containsExactlyInAnyOrder("Service/kvstore-peers", "Service/kvstore", "PodDisruptionBudget/kvstore",
            "StatefulSet/kvstore");
    assertThat(ManifestRules.check(objects)).isEmpty();
  }

  @Test
  void theSecureOverlayFormsAWorkingClusterWithTlsFromSecretsThatMakeSecretsCreates() throws IOException {
    List<Map<String, Object>> objects = Manifests.render(SECURE);
    assertThat(ManifestRules.check(objects)).isEmpty();

    Map<String, Object> pod = pod(objects);
    Map<String, Object> container = map(list(pod.get("containers")).get(0));
    List<String> env = list(container.get("env")).stream().map(e -> String.valueOf(map(e).get("name"))).toList();
    assertThat(env).contains("KVSTORE_CLIENT_CERT_FILE", "KVSTORE_CLIENT_CERT_AUTH", "KVSTORE_PEER_CERT_FILE",
        "KVSTORE_PEER_TRUSTED_CA_FILE", "KVSTORE_INITIAL_ROOT_PASSWORD_FILE");
    assertThat(env).containsAll(ManifestRules.PROBE_VARIABLES);

    // Every secret key the pods mount is one make-secrets.sh creates.
    String script = Files.readString(KUBERNETES.resolve("make-secrets.sh"));
    List<Map<String, Object>> secrets = new ArrayList<>();
    for (Object volume : list(pod.get("volumes"))) {
      list(map(map(volume).get("projected")).get("sources")).forEach(s -> secrets.add(map(map(s).get("secret"))));
      if (map(volume).get("secret") != null) {
        secrets.add(map(map(volume).get("secret")));
      }
    }
    assertThat(secrets).isNotEmpty();
    for (Map<String, Object> secret : secrets) {
      String name = String.valueOf(secret.get("secretName") != null ? secret.get("secretName") : secret.get("name"));
      assertThat(script).as("make-secrets.sh creates " + name).contains("create secret generic " + name + " ");
      for (Object item : list(secret.get("items"))) {
        assertThat(script).as("make-secrets.sh puts " + map(item).get("key") + " into " + name)
            .contains("--from-file=" + map(item).get("key") + "=");
      }
    }
  }

  @Test
  void theRulesCatchWhatWouldBreakACluster() {
    assertThat(violationsAfter(sts -> spec(sts).put("replicas", 4))).anyMatch(v -> v.contains("replicas 4 is not odd"));
    assertThat(violationsAfter(sts -> spec(sts).put("replicas", 5)))
        .anyMatch(v -> v.contains("KVSTORE_PEERS names [kvstore-0, kvstore-1, kvstore-2] but 5 replicas"));
    assertThat(violationsAfter(sts -> spec(sts).put("serviceName", "elsewhere")))
        .anyMatch(v -> v.contains("serviceName elsewhere names no Service"))
        .anyMatch(v -> v.contains("peer kvstore-0 is at kvstore-0.kvstore-peers, not at its pod's DNS name"));
    assertThat(violationsAfter(sts -> container(sts).remove("readinessProbe")))
        .anyMatch(v -> v.contains("readinessProbe needs exactly one handler"));
    assertThat(violationsAfter(sts -> map(container(sts).get("livenessProbe")).put("grpc", Map.of("port", 7000))))
        .anyMatch(v -> v.contains("livenessProbe asks port 7000, not the client port 50051"));
    assertThat(violationsAfter(sts -> spec(sts).remove("volumeClaimTemplates")))
        .anyMatch(v -> v.contains("must be the mount path of a volumeClaimTemplate"));
    assertThat(violationsAfter(sts -> map(container(sts).get("resources")).remove("requests")))
        .anyMatch(v -> v.contains("resources.requests.cpu is not set"));
    assertThat(violationsAfter(sts -> map(map(spec(sts).get("template")).get("metadata"))
        .put("labels", new LinkedHashMap<>(Map.of("app.kubernetes.io/name", "other")))))
        .anyMatch(v -> v.contains("does not select its pods"))
        .anyMatch(v -> v.contains("no PodDisruptionBudget with maxUnavailable 1 selects the pods"));
    assertThat(violationsAfter(sts -> list(container(sts).get("env")).stream().map(Manifests::map)
        .filter(e -> "KVSTORE_LOG_LEVEL".equals(e.get("name"))).forEach(e -> e.put("name", "KVSTORE_LOGLEVEL"))))
        .anyMatch(v -> v.contains("env KVSTORE_LOGLEVEL is read by neither the node"));
    assertThat(violationsAfter(sts -> map(map(map(map(list(spec(sts).get("volumeClaimTemplates")).get(0))
        .get("spec")).get("resources")).get("requests")).put("storage", "8Gi")))
        .anyMatch(v -> v.contains("KVSTORE_QUOTA_BACKEND_BYTES 8589934592 is not below the data volume's 8Gi"));
  }

  /**
   * Where kubectl is installed (no cluster is needed for this), its own kustomize renders the same
   * objects as {@link Manifests#render}, so the checks above hold for what {@code kubectl apply -k}
   * sends. Machines without kubectl skip this test only.
   */
  @Test
  void kubectlKustomizeRendersTheSameObjects() throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed");
    for (Path dir : List.of(BASE, SECURE)) {
      Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
      String out;
      try (InputStream in = kubectl.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(kubectl.exitValue()).as(out).isZero();
      List<Object> rendered = new ArrayList<>();
      new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(out).forEach(rendered::add);
      assertThat(normalized(rendered)).as(dir.toString()).isEqualTo(normalized(List.copyOf(Manifests.render(dir))));
    }
  }

  private static List<String> violationsAfter(java.util.function.Consumer<Map<String, Object>> change) {
    List<Map<String, Object>> objects = Manifests.render(BASE);
    change.accept(ManifestRules.ofKind(objects, "StatefulSet").get(0));
    return ManifestRules.check(objects);
  }

  private static Map<String, Object> spec(Map<String, Object> sts) {
    return map(sts.get("spec"));
  }

  private static Map<String, Object> container(Map<String, Object> sts) {
    return map(list(map(map(spec(sts).get("template")).get("spec")).get("containers")).get(0));
  }

  private static Map<String, Object> pod(List<Map<String, Object>> objects) {
    return map(map(spec(ManifestRules.ofKind(objects, "StatefulSet").get(0)).get("template")).get("spec"));
  }

  /** Lists of named items sorted by name, objects by kind and name: what kustomize may order differently. */
  private static Object normalized(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      m.forEach((k, v) -> copy.put(k, normalized(v)));
      return copy;
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.stream().map(ManifestsTest::normalized).toList());
      if (copy.stream().allMatch(i -> i instanceof Map<?, ?> m && (m.get("name") != null || m.get("kind") != null))) {
        copy.sort(Comparator.comparing(i -> {
          Map<?, ?> m = (Map<?, ?>) i;
          return m.get("name") != null ? String.valueOf(m.get("name"))
              : m.get("kind") + "/" + map(m.get("metadata")).get("name");
        }));
      }
      return copy;
    }
    return value;
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(KUBERNETES)) {
      return walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}

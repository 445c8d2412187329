package dev.kvstore.kubernetes;

import static dev.kvstore.kubernetes.Manifests.identity;
import static dev.kvstore.kubernetes.Manifests.list;
import static dev.kvstore.kubernetes.Manifests.map;

import dev.kvstore.node.HealthProbe;
import dev.kvstore.node.NodeCommand;
import dev.kvstore.node.NodeConfig;
import dev.kvstore.node.ops.NodeHealth;
import dev.kvstore.node.raft.Peer;
import dev.kvstore.node.raft.PeerList;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import picocli.CommandLine.Option;

/**
 * What kvstore's Kubernetes objects must satisfy to form a working cluster, checked on the parsed
 * objects of one kustomization (no cluster, no schema download). Each rule adds one sentence to
 * the list of violations, naming the object and what is wrong.
 */
final class ManifestRules {

  /** apiVersion to the kinds kvstore's manifests may use. */
  static final Map<String, Set<String>> KNOWN_KINDS = Map.of(
      "v1", Set.of("Service", "Secret", "ConfigMap"),
      "apps/v1", Set.of("StatefulSet"),
      "policy/v1", Set.of("PodDisruptionBudget"));
  /** Variables the health probe reads (HealthProbe, the CLI's names), not the node. */
  static final Set<String> PROBE_VARIABLES = Set.of("KVSTORE_CACERT", "KVSTORE_CERT", "KVSTORE_KEY");
  static final String HEALTH_PROBE_CLASS = HealthProbe.class.getName();
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:(KVSTORE_[A-Z0-9_]+)");
  private static final Pattern LOGBACK_VARIABLE = Pattern.compile("\\$\\{(KVSTORE_[A-Z0-9_]+)");
  private static final List<String> PROBE_HANDLERS = List.of("grpc", "exec", "httpGet", "tcpSocket");

  private final List<String> violations = new ArrayList<>();

  private ManifestRules() {}

  /** Every violation in {@code objects}, empty if they form a working kvstore cluster. */
  static List<String> check(List<Map<String, Object>> objects) {
    ManifestRules rules = new ManifestRules();
    rules.checkAll(objects);
    return rules.violations;
  }

  /**
   * The environment variables the node reads: the {@code ${env:KVSTORE_...}} defaults of
   * NodeCommand's options, and the {@code ${KVSTORE_...}} of its logging configuration (the node
   * jar's logback.xml: log levels).
   */
  static Set<String> nodeVariables() {
    Set<String> names = new TreeSet<>();
    for (Field field : NodeCommand.class.getDeclaredFields()) {
      Option option = field.getAnnotation(Option.class);
      if (option != null) {
        Matcher m = ENV_DEFAULT.matcher(option.defaultValue());
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    URL logback = NodeCommand.class.getResource("/logback.xml");
    if (logback == null) {
      throw new IllegalStateException("the node's logback.xml is not on the class path");
    }
    try (InputStream in = logback.openStream()) {
      Matcher m = LOGBACK_VARIABLE.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      while (m.find()) {
        names.add(m.group(1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + logback, e);
    }
    return names;
  }

  private void violation(String sentence) {
    violations.add(sentence);
  }

  private void checkAll(List<Map<String, Object>> objects) {
    for (Map<String, Object> object : objects) {
      String apiVersion = String.valueOf(object.get("apiVersion"));
      String kind = String.valueOf(object.get("kind"));
      if (!KNOWN_KINDS.getOrDefault(apiVersion, Set.of()).contains(kind)) {
        violation(identity(object) + ": apiVersion " + apiVersion + " kind " + kind + " is not one of " + KNOWN_KINDS);
      }
      Object name = map(object.get("metadata")).get("name");
      if (name == null || !DNS_LABEL.matcher(name.toString()).matches()) {
        violation(identity(object) + ": metadata.name '" + name + "' is not a DNS label (a-z, 0-9, '-', at most 63)");
      }
    }
    List<Map<String, Object>> sets = ofKind(objects, "StatefulSet");
    if (sets.size() != 1) {
      violation("expected one StatefulSet, found " + sets.size());
      return;
    }
    checkStatefulSet(sets.get(0), objects);
  }

  private void checkStatefulSet(Map<String, Object> sts, List<Map<String, Object>> objects) {
    String name = String.valueOf(map(sts.get("metadata")).get("name"));
    String where = "StatefulSet/" + name;
    Map<String, Object> spec = map(sts.get("spec"));
    int replicas = spec.get("replicas") instanceof Integer r ? r : -1;
    if (replicas < 1 || replicas % 2 == 0) {
      violation(where + ": replicas " + spec.get("replicas") + " is not odd: a Raft cluster of 2N members tolerates"
          + " no more failures than one of 2N-1");
    }
    if (!"Parallel".equals(spec.get("podManagementPolicy"))) {
      violation(where + ": podManagementPolicy must be Parallel (OrderedReady waits for kvstore-0 to be ready, which"
          + " needs a quorum, which needs the other members)");
    }
    Map<String, Object> template = map(spec.get("template"));
    Map<String, Object> podLabels = map(map(template.get("metadata")).get("labels"));
    Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
    if (selector.isEmpty() || !selects(selector, podLabels)) {
      violation(where + ": spec.selector.matchLabels " + selector + " does not select its pods " + podLabels);
    }
    Map<String, Object> pod = map(template.get("spec"));
    List<?> containers = list(pod.get("containers"));
    if (containers.size() != 1) {
      violation(where + ": expected one container, found " + containers.size());
      return;
    }
    Map<String, Object> container = map(containers.get(0));
    int clientPort = containerPort(container, "client");
    int raftPort = containerPort(container, "raft");
    if (clientPort < 0 || raftPort < 0) {
      violation(where + ": the container must name its ports 'client' and 'raft'");
      return;
    }
    Map<String, Map<String, Object>> env = env(container);
    checkEnvironment(where, env, clientPort);
    String serviceName = String.valueOf(spec.get("serviceName"));
    checkPeers(where, name, serviceName, replicas, raftPort, env);
    checkResources(where, map(container.get("resources")));
    checkProbes(where, container, clientPort, env.containsKey("KVSTORE_CLIENT_CERT_FILE"));
    checkSecurity(where, map(pod.get("securityContext")), map(container.get("securityContext")));
    checkVolumes(where, spec, pod, container, env);
    checkServices(where, objects, serviceName, podLabels, clientPort, raftPort);
    checkDisruptionBudget(where, objects, podLabels);
  }

  private void checkEnvironment(String where, Map<String, Map<String, Object>> env, int clientPort) {
    Set<String> known = nodeVariables();
    for (String variable : env.keySet()) {
      if (variable.startsWith("KVSTORE_") && !known.contains(variable) && !PROBE_VARIABLES.contains(variable)) {
        violation(where + ": env " + variable + " is read by neither the node (kvstore-node --help) nor its probe");
      }
    }
    Object declared = value(env, "KVSTORE_CLIENT_PORT");
    int port = declared == null ? NodeConfig.DEFAULT_CLIENT_PORT : Integer.parseInt(declared.toString());
    if (port != clientPort) {
      violation(where + ": the node listens for clients on " + port + " but the port named client is " + clientPort);
    }
    if (env.containsKey("KVSTORE_RAFT_PORT")) {
      violation(where + ": KVSTORE_RAFT_PORT is set; the node should listen on the port its KVSTORE_PEERS entry names");
    }
    Map<String, Object> nodeId = env.get("KVSTORE_NODE_ID");
    Object fieldPath = nodeId == null ? null : map(map(nodeId.get("valueFrom")).get("fieldRef")).get("fieldPath");
    if (!"metadata.name".equals(fieldPath)) {
      violation(where + ": KVSTORE_NODE_ID must come from the pod name (valueFrom.fieldRef.fieldPath: metadata.name)");
    }
  }

  /** KVSTORE_PEERS: one entry per replica, named as the pods, at their DNS names under the headless Service. */
  private void checkPeers(String where, String name, String serviceName, int replicas, int raftPort,
      Map<String, Map<String, Object>> env) {
    Object spec = value(env, "KVSTORE_PEERS");
    if (spec == null) {
      violation(where + ": KVSTORE_PEERS is not set");
      return;
    }
    List<Peer> peers;
    try {
      peers = PeerList.parse(spec.toString());
    } catch (IllegalArgumentException e) {
      violation(where + ": the node refuses KVSTORE_PEERS: " + e.getMessage());
      return;
    }
    List<String> expectedIds = IntStream.range(0, Math.max(replicas, 0)).mapToObj(i -> name + "-" + i).toList();
    List<String> ids = peers.stream().map(Peer::id).toList();
    if (!ids.equals(expectedIds)) {
      violation(where + ": KVSTORE_PEERS names " + ids + " but " + replicas + " replicas are the pods " + expectedIds);
    }
    for (Peer peer : peers) {
      String host = peer.id() + "." + serviceName;
      if (!peer.host().equals(host) && !peer.host().startsWith(host + ".")) {
        violation(where + ": peer " + peer.id() + " is at " + peer.host() + ", not at its pod's DNS name " + host
            + " (or that name qualified with the namespace)");
      }
      if (peer.port() != raftPort) {
        violation(where + ": peer " + peer.id() + " has port " + peer.port() + ", not the raft port " + raftPort);
      }
    }
  }

  private void checkResources(String where, Map<String, Object> resources) {
    Map<String, Object> requests = map(resources.get("requests"));
    Map<String, Object> limits = map(resources.get("limits"));
    for (String what : List.of("cpu", "memory")) {
      if (requests.get(what) == null) {
        violation(where + ": resources.requests." + what + " is not set");
      }
    }
    if (limits.get("memory") == null) {
      violation(where + ": resources.limits.memory is not set (the JVM sizes its heap from it)");
    }
  }

  private void checkProbes(String where, Map<String, Object> container, int clientPort, boolean clientTls) {
    checkProbe(where, "startupProbe", map(container.get("startupProbe")), clientPort, NodeHealth.LIVENESS_SERVICE,
        clientTls);
    checkProbe(where, "livenessProbe", map(container.get("livenessProbe")), clientPort, NodeHealth.LIVENESS_SERVICE,
        clientTls);
    checkProbe(where, "readinessProbe", map(container.get("readinessProbe")), clientPort, "", clientTls);
  }

  private void checkProbe(String where, String which, Map<String, Object> probe, int clientPort, String service,
      boolean clientTls) {
    List<String> handlers = PROBE_HANDLERS.stream().filter(probe::containsKey).toList();
    if (handlers.size() != 1) {
      violation(where + ": " + which + " needs exactly one handler, has " + handlers);
      return;
    }
    if (handlers.get(0).equals("grpc")) {
      Map<String, Object> grpc = map(probe.get("grpc"));
      if (!Objects.equals(grpc.get("port"), clientPort)) {
        violation(where + ": " + which + " asks port " + grpc.get("port") + ", not the client port " + clientPort);
      }
      String asked = grpc.get("service") == null ? "" : grpc.get("service").toString();
      if (!asked.equals(service)) {
        violation(where + ": " + which + " asks health service '" + asked + "', expected '" + service + "'");
      }
      if (clientTls) {
        violation(where + ": " + which + " is a gRPC probe, which speaks plaintext, but the client port speaks TLS");
      }
    } else if (handlers.get(0).equals("exec")) {
      List<String> command = list(map(probe.get("exec")).get("command")).stream().map(String::valueOf).toList();
      int at = command.indexOf(HEALTH_PROBE_CLASS);
      List<String> expected = service.isEmpty() ? List.of("127.0.0.1:" + clientPort)
          : List.of("127.0.0.1:" + clientPort, service);
      if (at < 0 || !command.subList(at + 1, command.size()).equals(expected)) {
        violation(where + ": " + which + " runs " + command + ", expected " + HEALTH_PROBE_CLASS + " " + expected);
      }
    } else {
      violation(where + ": " + which + " uses " + handlers.get(0) + "; kvstore answers gRPC health only");
    }
  }

  private void checkSecurity(String where, Map<String, Object> pod, Map<String, Object> container) {
    Object nonRoot = container.getOrDefault("runAsNonRoot", pod.get("runAsNonRoot"));
    Object user = container.getOrDefault("runAsUser", pod.get("runAsUser"));
    if (!Boolean.TRUE.equals(nonRoot) || !(user instanceof Integer uid) || uid == 0) {
      violation(where + ": must run as non-root (runAsNonRoot: true, runAsUser: the image's 10001)");
    }
    if (!Boolean.FALSE.equals(container.get("allowPrivilegeEscalation"))) {
      violation(where + ": the container must set allowPrivilegeEscalation: false");
    }
  }

  /** One claim per pod mounted at the data directory; every *_FILE variable under a mounted volume. */
  private void checkVolumes(String where, Map<String, Object> spec, Map<String, Object> pod,
      Map<String, Object> container, Map<String, Map<String, Object>> env) {
    List<String> claims = list(spec.get("volumeClaimTemplates")).stream()
        .map(c -> String.valueOf(map(map(c).get("metadata")).get("name"))).toList();
    Object dataDir = value(env, "KVSTORE_DATA_DIR");
    List<Map<String, Object>> mounts = list(container.get("volumeMounts")).stream().map(Manifests::map).toList();
    boolean dataOnClaim = mounts.stream().anyMatch(m -> claims.contains(String.valueOf(m.get("name")))
        && Objects.equals(m.get("mountPath"), dataDir));
    if (dataDir == null || !dataOnClaim) {
      violation(where + ": KVSTORE_DATA_DIR (" + dataDir + ") must be the mount path of a volumeClaimTemplate "
          + claims + ": each member needs its own persistent volume");
    }
    Object quota = value(env, "KVSTORE_QUOTA_BACKEND_BYTES");
    for (Object claim : list(spec.get("volumeClaimTemplates"))) {
      Object storage = map(map(map(map(claim).get("spec")).get("resources")).get("requests")).get("storage");
      String claimName = String.valueOf(map(map(claim).get("metadata")).get("name"));
      if (storage == null) {
        violation(where + ": volumeClaimTemplate " + claimName + " requests no storage size");
      } else if (quota != null && mounts.stream().anyMatch(m -> claimName.equals(m.get("name"))
          && Objects.equals(m.get("mountPath"), dataDir)) && Long.parseLong(quota.toString()) >= bytes(storage)) {
        violation(where + ": KVSTORE_QUOTA_BACKEND_BYTES " + quota + " is not below the data volume's " + storage
            + ": the disk would fill before the quota refuses writes");
      }
    }
    Set<String> volumes = new TreeSet<>(claims);
    list(pod.get("volumes")).forEach(v -> volumes.add(String.valueOf(map(v).get("name"))));
    for (Map<String, Object> mount : mounts) {
      if (!volumes.contains(String.valueOf(mount.get("name")))) {
        violation(where + ": volumeMount " + mount.get("name") + " names no volume");
      }
    }
    env.forEach((variable, entry) -> {
      if (variable.endsWith("_FILE") || PROBE_VARIABLES.contains(variable)) {
        String path = String.valueOf(entry.get("value"));
        boolean mounted = mounts.stream().anyMatch(m -> path.startsWith(m.get("mountPath") + "/"));
        if (!mounted) {
          violation(where + ": " + variable + "=" + path + " is in no mounted volume");
        }
      }
    });
  }

  private void checkServices(String where, List<Map<String, Object>> objects, String serviceName,
      Map<String, Object> podLabels, int clientPort, int raftPort) {
    List<Map<String, Object>> services = ofKind(objects, "Service");
    Map<String, Object> headless = services.stream()
        .filter(s -> serviceName.equals(map(s.get("metadata")).get("name"))).findFirst().orElse(null);
    if (headless == null) {
      violation(where + ": serviceName " + serviceName + " names no Service (the pods' DNS names come from it)");
    } else {
      Map<String, Object> spec = map(headless.get("spec"));
      if (!"None".equals(spec.get("clusterIP"))) {
        violation("Service/" + serviceName + ": must be headless (clusterIP: None) to give each pod a DNS name");
      }
      if (!Boolean.TRUE.equals(spec.get("publishNotReadyAddresses"))) {
        violation("Service/" + serviceName + ": must publish not-ready pods (publishNotReadyAddresses: true): members"
            + " are ready only once they found each other");
      }
      if (!selects(map(spec.get("selector")), podLabels)) {
        violation("Service/" + serviceName + ": selector " + spec.get("selector") + " does not select the pods "
            + podLabels);
      }
      if (!targets(spec, "raft", raftPort)) {
        violation("Service/" + serviceName + ": has no port for the raft port " + raftPort);
      }
    }
    boolean clientService = services.stream().filter(s -> s != headless).map(s -> map(s.get("spec")))
        .anyMatch(s -> !"None".equals(s.get("clusterIP")) && selects(map(s.get("selector")), podLabels)
            && targets(s, "client", clientPort));
    if (!clientService) {
      violation(where + ": no client Service selects the pods and targets the client port " + clientPort);
    }
  }

  private void checkDisruptionBudget(String where, List<Map<String, Object>> objects, Map<String, Object> podLabels) {
    boolean covered = ofKind(objects, "PodDisruptionBudget").stream().map(p -> map(p.get("spec")))
        .anyMatch(p -> Objects.equals(p.get("maxUnavailable"), 1)
            && selects(map(map(p.get("selector")).get("matchLabels")), podLabels));
    if (!covered) {
      violation(where + ": no PodDisruptionBudget with maxUnavailable 1 selects the pods " + podLabels);
    }
  }

  /** A Kubernetes quantity of bytes ({@code 10Gi}, {@code 500Mi}, {@code 1G}, plain bytes) as bytes. */
  static long bytes(Object quantity) {
    String q = quantity.toString().trim();
    List<String> binary = List.of("Ki", "Mi", "Gi", "Ti");
    List<String> decimal = List.of("k", "M", "G", "T");
    for (int i = 0; i < binary.size(); i++) {
      if (q.endsWith(binary.get(i))) {
        return Long.parseLong(q.substring(0, q.length() - 2)) << (10 * (i + 1));
      }
      if (q.endsWith(decimal.get(i))) {
        return Long.parseLong(q.substring(0, q.length() - 1)) * (long) Math.pow(1000, i + 1);
      }
    }
    return Long.parseLong(q);
  }

  private static boolean targets(Map<String, Object> serviceSpec, String portName, int port) {
    return list(serviceSpec.get("ports")).stream().map(Manifests::map).anyMatch(p -> {
      Object target = p.getOrDefault("targetPort", p.get("port"));
      return portName.equals(target) || Objects.equals(target, port);
    });
  }

  /** True if every label of a non-empty {@code selector} is among {@code labels}. */
  static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
    return !selector.isEmpty() && selector.entrySet().stream()
        .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }

  private static int containerPort(Map<String, Object> container, String name) {
    return list(container.get("ports")).stream().map(Manifests::map).filter(p -> name.equals(p.get("name")))
        .map(p -> p.get("containerPort")).filter(Integer.class::isInstance).map(Integer.class::cast)
        .findFirst().orElse(-1);
  }

  private static Map<String, Map<String, Object>> env(Map<String, Object> container) {
    Map<String, Map<String, Object>> env = new LinkedHashMap<>();
    list(container.get("env")).forEach(e -> env.put(String.valueOf(map(e).get("name")), map(e)));
    return env;
  }

  private static Object value(Map<String, Map<String, Object>> env, String name) {
    return env.containsKey(name) ? env.get(name).get("value") : null;
  }

  static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }
}

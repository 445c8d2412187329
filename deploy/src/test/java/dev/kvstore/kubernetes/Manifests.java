package dev.kvstore.kubernetes;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes objects of a kustomization folder (deploy/kubernetes/base, .../secure), read
 * without a cluster: its {@code resources} (files, or folders with their own kustomization,
 * rendered first) with its {@code patches} applied as kustomize applies a strategic-merge patch to
 * the fields kvstore's manifests patch: maps merge key by key, {@code null} removes a key, lists of
 * maps that have a {@code name} (containers, env, volumes, volume mounts) merge item by item by
 * name (new names are appended), and every other list is replaced. That is all of kustomize that
 * these manifests use; {@code ManifestsTest} compares the result with {@code kubectl kustomize}
 * where kubectl is installed.
 */
final class Manifests {

  private Manifests() {}

  /** Every YAML document of one file, in order (a file may hold several, separated by {@code ---}). */
  static List<Map<String, Object>> read(Path file) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    List<Map<String, Object>> documents = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file)) {
      for (Object document : yaml.loadAll(in)) {
        if (document == null) {
          continue;
        }
        if (!(document instanceof Map<?, ?>)) {
          throw new IllegalArgumentException(file + ": a document is not a mapping: " + document);
        }
        documents.add(map(document));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  /** The objects {@code kubectl kustomize dir} would print. */
  static List<Map<String, Object>> render(Path dir) {
    Map<String, Object> kustomization = kustomization(dir);
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object resource : list(kustomization.get("resources"))) {
      Path path = dir.resolve(resource.toString()).normalize();
      objects.addAll(Files.isDirectory(path) ? render(path) : read(path));
    }
    for (Object patch : list(kustomization.get("patches"))) {
      Path path = dir.resolve(map(patch).get("path").toString()).normalize();
      for (Map<String, Object> change : read(path)) {
        Map<String, Object> target = objects.stream().filter(o -> sameObject(o, change)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException(path + " patches " + identity(change)
                + ", which " + dir + " does not have"));
        objects.set(objects.indexOf(target), merge(target, change));
      }
    }
    return objects;
  }

  /** The kustomization.yaml of {@code dir}. */
  static Map<String, Object> kustomization(Path dir) {
    List<Map<String, Object>> documents = read(dir.resolve("kustomization.yaml"));
    if (documents.size() != 1) {
      throw new IllegalArgumentException(dir + "/kustomization.yaml holds " + documents.size() + " documents");
    }
    return documents.get(0);
  }

  /** {@code base} with {@code patch} merged in (a new map; neither argument changes). */
  static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> patch) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    patch.forEach((key, value) -> {
      Object old = merged.get(key);
      if (value == null) {
        merged.remove(key);
      } else if (old instanceof Map<?, ?> oldMap && value instanceof Map<?, ?> newMap) {
        merged.put(key, merge(map(oldMap), map(newMap)));
      } else if (old instanceof List<?> oldList && value instanceof List<?> newList && namedItems(oldList)
          && namedItems(newList)) {
        merged.put(key, mergeByName(oldList, newList));
      } else {
        merged.put(key, value);
      }
    });
    return merged;
  }

  private static List<Object> mergeByName(List<?> base, List<?> patch) {
    List<Object> merged = new ArrayList<>(base);
    for (Object item : patch) {
      Map<String, Object> change = map(item);
      int at = -1;
      for (int i = 0; i < merged.size(); i++) {
        if (Objects.equals(map(merged.get(i)).get("name"), change.get("name"))) {
          at = i;
        }
      }
      if (at < 0) {
        merged.add(change);
      } else {
        merged.set(at, merge(map(merged.get(at)), change));
      }
    }
    return merged;
  }

  private static boolean namedItems(List<?> list) {
    return !list.isEmpty() && list.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") != null);
  }

  static boolean sameObject(Map<String, Object> a, Map<String, Object> b) {
    return identity(a).equals(identity(b));
  }

  /** kind/name, e.g. {@code StatefulSet/kvstore}. */
  static String identity(Map<String, Object> object) {
    return object.get("kind") + "/" + map(object.get("metadata")).get("name");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  static List<?> list(Object value) {
    return value instanceof List<?> l ? l : List.of();
  }
}

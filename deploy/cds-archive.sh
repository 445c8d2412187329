# Sourced by deploy/kvstore and deploy/local-cluster.sh: where the class-data sharing (AppCDS)
# archive of a jar lives. An archive only fits the jar and the JVM it was made from, so its name
# carries the size and modification time of both, and the jar's path: a rebuilt or moved jar or
# another JDK gets a new archive and never maps a stale one.

# cds_archive_path JAR NAME: prints JAR's folder/cds/NAME-<key>.jsa, or fails when that cannot be
# told (no java on PATH, the jar missing). Uses $JAVA (default java).
cds_archive_path() {
  local jar="$1" name="$2" java_bin jvm key
  java_bin="$(readlink -f "$(command -v "${JAVA:-java}")" 2> /dev/null)" || return 1
  jvm="${java_bin%/bin/java}/lib/server/libjvm.so"
  [[ -f "$jvm" ]] || jvm="$java_bin"
  key="$(stat -L -c '%s-%Y' "$jar" "$jvm" 2> /dev/null | tr '\n' '-')" || return 1
  key="$key$(printf '%s' "$jar" | cksum | cut -d' ' -f1)"
  echo "${jar%/*}/cds/$name-$key.jsa"
}

# Sourced by deploy/kvstore and deploy/local-cluster.sh: where the start-up archive of a jar lives
# (a class-data sharing archive, or on JDK 25+ an AOT cache). An archive only fits the jar and the
# JVM it was made from, so its name carries the size and modification time of both, and the jar's
# path: a rebuilt or moved jar or another JDK gets a new archive and never maps a stale one.
# Every process started here costs a CLI command about a millisecond, hence bash built-ins where
# they do.

# cds_java_binary: sets CDS_JAVA_BIN to the real path of $JAVA (default java: the one on the
# PATH), links resolved; fails when there is no such program. Resolved once per value of $JAVA, so
# that the functions below, called in subshells, need not resolve it again.
cds_java_binary() {
  local java="${JAVA:-java}"
  [[ "${CDS_JAVA_FOR:-}" == "$java" && -n "${CDS_JAVA_BIN:-}" ]] && return 0
  CDS_JAVA_FOR="$java"
  if [[ "$java" != */* ]]; then
    hash "$java" 2> /dev/null || return 1
    java="${BASH_CMDS[$java]}"
  fi
  CDS_JAVA_BIN="$(readlink -f "$java" 2> /dev/null)" && [[ -x "$CDS_JAVA_BIN" ]]
}

# cds_archive_path JAR NAME [EXT]: prints JAR's folder/cds/NAME-<key>.EXT (EXT: jsa by default;
# aot for an AOT cache), or fails when that cannot be told (no such java, the jar missing).
# Uses $JAVA (default java).
cds_archive_path() {
  local jar="$1" name="$2" ext="${3:-jsa}" jvm key hash=0 i char
  cds_java_binary || return 1
  jvm="${CDS_JAVA_BIN%/bin/java}/lib/server/libjvm.so"
  [[ -f "$jvm" ]] || jvm="$CDS_JAVA_BIN"
  key="$(stat -L -c '%s-%Y' "$jar" "$jvm" 2> /dev/null)" || return 1
  # The jar's path, hashed (31 * h + c, 32 bits) without starting a process.
  for ((i = 0; i < ${#jar}; i++)); do
    printf -v char '%d' "'${jar:i:1}"
    hash=$(((hash * 31 + char) % 4294967296))
  done
  echo "${jar%/*}/cds/$name-${key//$'\n'/-}-$hash.$ext"
}

# jdk_feature_version: prints the feature release of $JAVA (default java), e.g. 17 or 25, read
# from its JDK's release file (java -version would cost a JVM start); fails when that cannot be told.
jdk_feature_version() {
  cds_java_binary || return 1
  release_feature "${CDS_JAVA_BIN%/bin/java}/release"
}

# release_feature FILE: prints the feature release in a JDK's release file (JAVA_VERSION="25.0.1"
# gives 25); fails when the file is missing or says none.
release_feature() {
  local line
  [[ -f "$1" ]] || return 1
  while IFS= read -r line; do
    if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  done < "$1"
  return 1
}

# newest_jdk MIN: prints the java program of the newest JDK in /usr/lib/jvm (or $KVSTORE_JDK_DIR)
# whose feature release is MIN or later; fails when there is none.
newest_jdk() {
  local min="$1" release feature best="" best_feature=0
  for release in "${KVSTORE_JDK_DIR:-/usr/lib/jvm}"/*/release; do
    [[ -x "${release%/release}/bin/java" ]] && feature="$(release_feature "$release")" || continue
    if ((feature >= min && feature > best_feature)); then
      best="${release%/release}/bin/java"
      best_feature="$feature"
    fi
  done
  [[ -n "$best" ]] && echo "$best"
}

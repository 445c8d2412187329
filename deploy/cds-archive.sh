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
  local release line
  cds_java_binary || return 1
  release="${CDS_JAVA_BIN%/bin/java}/release"
  [[ -f "$release" ]] || return 1
  while IFS= read -r line; do
    if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  done < "$release"
  return 1
}

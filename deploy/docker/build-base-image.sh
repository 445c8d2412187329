#!/usr/bin/env bash
# Chooses (and if needed builds) the Java 17 runtime image that deploy/Dockerfile starts FROM,
# and prints its name as the last line of stdout.
#
#   deploy/docker/build-base-image.sh [--force] [--local] [--no-pull] [--no-env] [--no-jars]
#
# 1. The conventional public image ($KVSTORE_PUBLIC_BASE_IMAGE, default eclipse-temurin:17-jre) if it
#    is present locally or can be pulled within $KVSTORE_PULL_TIMEOUT seconds (default 180).
# 2. Otherwise a local image ($KVSTORE_LOCAL_BASE_IMAGE, default kvstore-jre:17), built when missing:
#    a jlink runtime of the host JDK ($KVSTORE_JDK, default /usr/lib/jvm/java-17-openjdk-amd64, with
#    its jmods) plus the shared libraries it needs, /etc/passwd and /etc/group with user kvstore
#    (uid/gid 10001), /etc/nsswitch.conf and /tmp, imported FROM scratch with `docker import`.
#    It has no shell: use exec-form commands only.
# Builds the jars first when deploy/target/image/lib is missing, so that compose can build the
# node image right after this script on a clean clone (the base image itself needs no jar).
# 3. Writes (or updates) KVSTORE_BASE_IMAGE=<the image> in .env at the top of the repository, which
#    `docker-compose -f docker-compose.cluster.yml ...` reads by itself (other lines are kept).
#
#   --force    rebuild the local image even if it exists (implies --local)
#   --local    skip the public image; use (or build) the local one
#   --no-pull  do not try to pull the public image (use it only if already present)
#   --no-env   do not write .env
#   --no-jars  do not build the jars (for a caller that builds them next, as deploy/run-all-tests.sh)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PUBLIC="${KVSTORE_PUBLIC_BASE_IMAGE:-eclipse-temurin:17-jre}"
LOCAL="${KVSTORE_LOCAL_BASE_IMAGE:-kvstore-jre:17}"
JDK="${KVSTORE_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
PULL_TIMEOUT="${KVSTORE_PULL_TIMEOUT:-180}"
# What the node, the CLI and the healthcheck probe need (jdeps over deploy/target/image/lib, plus
# what jdeps cannot see): java.xml for logback's configuration (also implied by java.sql), jdk.jfr
# (netty probes it), java.management/jdk.management (Ratis metrics, JVM pause monitor), jdk.unsupported
# (sun.misc.Unsafe for netty/protobuf/guava), and the service providers jdeps cannot find:
# jdk.crypto.ec (TLS key exchange) and jdk.naming.dns (JNDI DNS lookups); jdk.httpserver serves the
# node's Prometheus metrics. An image built with other modules is rebuilt (see modules_of).
MODULES="${KVSTORE_JLINK_MODULES:-java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,jdk.jfr,jdk.management,jdk.httpserver}"
# Loaded with dlopen (not listed by ldd of the JVM): netty's native epoll and tcnative need them,
# and without them gRPC silently falls back to NIO.
EXTRA_LIBS=(libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 libgcc_s.so.1 libm.so.6 libz.so.1)

force=false local_only=false pull=true write_env=true jars=true
for arg in "$@"; do
  case "$arg" in
    --force) force=true; local_only=true ;;
    --local) local_only=true ;;
    --no-pull) pull=false ;;
    --no-env) write_env=false ;;
    --no-jars) jars=false ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build-base-image: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

say() { echo "build-base-image: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
have_image() { docker image inspect "$1" > /dev/null 2>&1; }
# The modules a local image was built with (empty for images built before this was recorded).
modules_of() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2> /dev/null \
    | sed -n 's/^KVSTORE_JLINK_MODULES=//p'
}

# After this script, `docker-compose -f docker-compose.cluster.yml up -d` builds the node image
# from the jars in deploy/target/image/lib: lay them out when a clean clone has none yet.
if $jars && [[ ! -d "$REPO/deploy/target/image/lib" || ! -d "$REPO/deploy/target/image/patches" ]]; then
  say "building the jars the image needs (./mvnw package; the first time takes a few minutes)"
  (cd "$REPO" && ./mvnw -B -q -pl deploy -am package -DskipTests) >&2 || die "building the jars failed"
fi

# Records the chosen image for compose in $REPO/.env, prints it on stdout, and exits.
use() {
  if $write_env; then
    local envfile="$REPO/.env" tmp
    if [[ -f "$envfile" ]] && grep -q '^KVSTORE_BASE_IMAGE=' "$envfile"; then
      tmp="$(mktemp "$envfile.XXXXXX")"
      sed "s|^KVSTORE_BASE_IMAGE=.*|KVSTORE_BASE_IMAGE=$1|" "$envfile" > "$tmp" && mv "$tmp" "$envfile"
    else
      if [[ -s "$envfile" && -n "$(tail -c 1 "$envfile")" ]]; then echo >> "$envfile"; fi
      echo "KVSTORE_BASE_IMAGE=$1" >> "$envfile"
    fi
    chmod 644 "$envfile"
    say "$envfile: KVSTORE_BASE_IMAGE=$1"
  fi
  echo "$1"
  exit 0
}

docker info > /dev/null 2>&1 || die "no Docker engine answers 'docker info' (run deploy/docker/install-docker-engine.sh)"

if ! $local_only; then
  if have_image "$PUBLIC"; then
    say "using $PUBLIC (present locally)"
    use "$PUBLIC"
  fi
  if $pull; then
    say "trying to pull $PUBLIC (at most ${PULL_TIMEOUT}s)"
    if timeout "$PULL_TIMEOUT" docker pull -q "$PUBLIC" > /dev/null 2> "${TMPDIR:-/tmp}/kvstore-pull.$$"; then
      rm -f "${TMPDIR:-/tmp}/kvstore-pull.$$"
      say "using $PUBLIC (pulled)"
      use "$PUBLIC"
    fi
    say "cannot pull $PUBLIC: $(head -c 300 "${TMPDIR:-/tmp}/kvstore-pull.$$" | tr '\n' ' ')"
    rm -f "${TMPDIR:-/tmp}/kvstore-pull.$$"
  fi
fi

if ! $force && have_image "$LOCAL"; then
  if [[ "$(modules_of "$LOCAL")" == "$MODULES" ]]; then
    say "using $LOCAL (already built; --force rebuilds it)"
    use "$LOCAL"
  fi
  say "$LOCAL was built with other Java modules than kvstore needs now; rebuilding it"
fi

[[ -x "$JDK/bin/jlink" ]] || die "no jlink in $JDK (install openjdk-17-jdk-headless or set KVSTORE_JDK)"
[[ -d "$JDK/jmods" ]] || die "no jmods in $JDK/jmods (Debian: apt-get install openjdk-17-jdk-headless)"
"$JDK/bin/java" -version 2>&1 | grep -q 'version "17' || die "$JDK is not a Java 17 JDK"

old_id="$(docker image inspect -f '{{.Id}}' "$LOCAL" 2> /dev/null || true)"
say "building $LOCAL from $JDK (jlink + shared libraries + docker import)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kvstore-jre.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
JAVA_HOME_IMG=/opt/java/openjdk   # same place as in eclipse-temurin images
mkdir -p "$ROOT/opt/java"

"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$MODULES" \
  --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$ROOT$JAVA_HOME_IMG"

# The default class data sharing archive: faster start of every JVM (node, CLI, healthcheck probe).
"$ROOT$JAVA_HOME_IMG/bin/java" -Xshare:dump > /dev/null 2>&1 \
  || say "warning: could not create the CDS archive (JVMs start a little slower)"

# Shared libraries: what ldd lists for every ELF file of the runtime, the dlopen'ed extras, the loader.
copy_lib() {   # copy a library (following symlinks) to the same path inside ROOT, keeping the name
  local src="$1" dest="$ROOT$1"
  [[ -e "$dest" ]] && return 0
  mkdir -p "$(dirname "$dest")"
  cp -L "$src" "$dest"
}
declare -A seen=()
while IFS= read -r f; do
  while IFS= read -r lib; do
    [[ -n "$lib" && -z "${seen[$lib]:-}" ]] || continue
    [[ "$lib" == "$ROOT"/* ]] && continue   # the runtime's own libraries (found through $ORIGIN)
    seen[$lib]=1
    copy_lib "$lib"
  done < <(ldd "$f" 2> /dev/null | awk '/=> \// {print $3}')
done < <(find "$ROOT$JAVA_HOME_IMG" -type f \( -name '*.so' -o -path '*/bin/*' \))
libdir="$(dirname "$(ldd "$JDK/bin/java" | awk '/libc\.so\.6/ {print $3}')")"   # e.g. /lib/x86_64-linux-gnu
for lib in "${EXTRA_LIBS[@]}"; do
  [[ -e "$libdir/$lib" ]] || die "missing $libdir/$lib on this machine"
  copy_lib "$libdir/$lib"
done
loader="$(ldd "$JDK/bin/java" | awk '/ld-linux/ {print $1}')"   # /lib64/ld-linux-x86-64.so.2
[[ -n "$loader" ]] || die "cannot find the dynamic loader of $JDK/bin/java"
copy_lib "$loader"
# Debian is merged-/usr: /lib -> usr/lib. Libraries were copied under their /lib/... paths, which is
# where the loader looks; nothing else needed.

# Minimal system files: users, name resolution, a writable /tmp (netty unpacks its native libs there).
mkdir -p "$ROOT/etc" "$ROOT/tmp" "$ROOT/home/kvstore"
cat > "$ROOT/etc/passwd" << 'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
kvstore:x:10001:10001:kvstore:/home/kvstore:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat > "$ROOT/etc/group" << 'GROUP'
root:x:0:
kvstore:x:10001:
nogroup:x:65534:
GROUP
echo 'hosts: files dns' > "$ROOT/etc/nsswitch.conf"
chmod 1777 "$ROOT/tmp"
tar_owner=(--numeric-owner)
if [[ "$(id -u)" -eq 0 ]]; then
  chown 10001:10001 "$ROOT/home/kvstore"
else   # files must be root-owned in the image; the home directory then needs to be world-writable
  chmod 1777 "$ROOT/home/kvstore"
  tar_owner+=(--owner=0 --group=0)
fi

# Smoke test on the host: the runtime starts with only its own libraries.
"$ROOT$JAVA_HOME_IMG/bin/java" -version > /dev/null 2>&1 || die "the jlink runtime does not start"

tar -C "$ROOT" "${tar_owner[@]}" -c . | docker import \
  --change "ENV JAVA_HOME=$JAVA_HOME_IMG" \
  --change "ENV PATH=$JAVA_HOME_IMG/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV KVSTORE_JLINK_MODULES=$MODULES" \
  --change 'CMD ["java", "-version"]' \
  --message "kvstore: jlink Java 17 runtime ($MODULES) from $JDK" \
  - "$LOCAL" > /dev/null
docker run --rm --pull never "$LOCAL" java -version > /dev/null 2>&1 || die "$LOCAL was built but 'java -version' fails in it"
say "built $LOCAL ($(docker image inspect -f '{{.Size}}' "$LOCAL" | awk '{printf "%.0f MB", $1/1e6}'))"
if [[ -n "$old_id" && "$old_id" != "$(docker image inspect -f '{{.Id}}' "$LOCAL")" ]]; then
  docker rmi "$old_id" > /dev/null 2>&1 || true   # the replaced image, unless images still use it
fi
use "$LOCAL"

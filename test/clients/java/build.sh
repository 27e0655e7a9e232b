#!/bin/sh
# Builds the Java scenario for one kafka-clients version into a client's cache
# folder: usage build.sh <kafka-clients version> <cache>. A no-op when the
# stamp (written after the last build, holding its version) is newer than the
# pom and every source file. Maven runs offline first, then online.
set -eu
version="$1"
cache="$2"
here="$(cd "$(dirname "$0")" && pwd)"
stamp="$cache/build.stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -d "$cache/target/classes" ] && [ -d "$cache/lib" ] &&
  [ -z "$(find "$here/pom.xml" "$here/build.sh" "$here/src" -newer "$stamp" -print | head -n 1)" ]; then
  exit 0
fi
mkdir -p "$cache"
rm -rf "$cache/lib" "$stamp"
set -- -q -B -Dstyle.color=never "-Dkafka.version=$version" "-Dscenario.cache=$cache" package
cd "$here"
if ! mvn -o "$@" >"$cache/build.log" 2>&1; then
  if ! mvn "$@" >>"$cache/build.log" 2>&1; then
    cat "$cache/build.log" >&2
    exit 1
  fi
fi
echo "$version" >"$stamp"

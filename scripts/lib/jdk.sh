# Sourced by plexd's scripts: exports JAVA_HOME pointing at a JDK 25 (the machine's default java may be older).
# Order: $PLEXD_JAVA_HOME, $JAVA_HOME if it is 25+, then JDKs under /usr/lib/jvm.
plexd_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
plexd_select_jdk() {
  local candidate major
  for candidate in "${PLEXD_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(plexd_java_major "$candidate")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "plexd: no JDK 25 found; install one (e.g. Temurin 25) or set PLEXD_JAVA_HOME" >&2
  return 1
}
plexd_select_jdk

# Sourced by scripts/quantpipe, scripts/submit and the benchmarks. Bash.
#
# The --add-opens Spark's own launcher passes on Java 17+ (org.apache.spark.launcher.JavaModuleOptions):
# without them Spark fails at start on Java's module checks. SubmitScriptTest compares the list with
# Spark's. (The parent pom's spark.add-opens, for the test JVMs, lacks only the Kerberos one.)
QUANTPIPE_ADD_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
)

# The java to run: $JAVA_HOME/bin/java, else the first on PATH.
quantpipe_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    echo "quantpipe: error: java not found: expected Java 17 or newer on PATH or in JAVA_HOME" >&2
    return 2
  fi
}

# Fails with one line unless "$1" is Java 17 or newer.
quantpipe_require_java17() {
  local version major
  version=$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  major=${version%%.*}
  if [ "$major" = "1" ]; then # 1.8.0_x
    major=$(echo "$version" | cut -d. -f2)
  fi
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 17 ]; then
    echo "quantpipe: error: expected Java 17 or newer, found ${version:-an unknown version} at $1 (set JAVA_HOME)" >&2
    return 2
  fi
}

# "-Xmx<max> -Xms<floor>" for the JVM that is Spark's driver (and, in local mode, its executor).
# The floor is QUANTPIPE_DRIVER_MEMORY_MIN (default 256m; 0 for none), lowered to <max> when
# larger. Without it, G1 shrinks the heap to the live set after each marking cycle and grows it
# again under Spark's steady allocation, so how much of the heap is ever touched, and with it the
# resident memory, depended on how long the job ran (peak RSS from 630 to 920 MB, -Xmx1g); with a
# 256m floor a calibrate run touches its heap within seconds and stays there at any dataset size.
# Fails with one line on a size Java would not take.
quantpipe_heap_options() {
  local max=$1 floor=${QUANTPIPE_DRIVER_MEMORY_MIN-256m} max_bytes floor_bytes
  if ! max_bytes=$(quantpipe_size_bytes "$max"); then
    echo "quantpipe: error: expected QUANTPIPE_DRIVER_MEMORY as a heap size such as 2g or 1536m, found '$max'" >&2
    return 2
  fi
  if [ -z "$floor" ] || [ "$floor" = 0 ]; then
    echo "-Xmx$max"
    return 0
  fi
  if ! floor_bytes=$(quantpipe_size_bytes "$floor"); then
    echo "quantpipe: error: expected QUANTPIPE_DRIVER_MEMORY_MIN as a heap size such as 256m or 0 (none), found '$floor'" >&2
    return 2
  fi
  if [ "$floor_bytes" -gt "$max_bytes" ]; then
    floor=$max
  fi
  echo "-Xmx$max -Xms$floor"
}

# Bytes in a JVM heap size (digits with an optional k, m, g or t, either case); fails otherwise.
quantpipe_size_bytes() {
  [[ "$1" =~ ^([0-9]{1,9})([kKmMgGtT]?)$ ]] || return 1
  local n=$((10#${BASH_REMATCH[1]}))
  case ${BASH_REMATCH[2]} in
    k | K) n=$((n << 10)) ;;
    m | M) n=$((n << 20)) ;;
    g | G) n=$((n << 30)) ;;
    t | T) n=$((n << 40)) ;;
  esac
  [ "$n" -gt 0 ] || return 1
  echo "$n"
}

# Sourced by scripts/quantpipe and scripts/submit. Bash.
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

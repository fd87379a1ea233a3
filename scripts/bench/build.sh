# Sourced by the benchmark scripts. Bash.
#
# bench_build MODULE SCOPE: builds MODULE and what it needs in one reactor invocation (so quant-lib
# comes from this checkout, not from ~/.m2) and writes MODULE/target/classpath.txt for SCOPE. Quiet
# when it works; Maven's whole output on stderr when it fails.
bench_build() {
  local module=$1 scope=$2 goal=package output
  [ "$module" = jobs ] && goal=compile
  if ! output=$(mvn -B -q -ntp -pl "$module" -am "$goal" dependency:build-classpath -DskipTests \
      -Dmdep.outputFile=target/classpath.txt "-Dmdep.includeScope=$scope" 2>&1); then
    echo "$output" >&2
    echo "bench: error: the build of $module failed (output above)" >&2
    return 1
  fi
}

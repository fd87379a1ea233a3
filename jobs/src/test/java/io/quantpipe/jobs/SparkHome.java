package io.quantpipe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A stand-in for a Spark 4 distribution, for tests that need spark-submit and executor JVMs (no
 * distribution can be installed here). {@code jars/} links the jars Maven resolved for Spark and
 * its dependencies, without anything the job jar bundles; {@code bin/spark-submit} runs
 * {@code org.apache.spark.deploy.SparkSubmit} from them and, as Spark's launcher does in client mode,
 * starts the driver JVM with {@code spark.driver.extraJavaOptions}. {@code local-cluster} masters
 * launch executors from {@code SPARK_HOME/jars}, which needs {@link #env()}.
 */
public final class SparkHome {
    /** Repository folders of the artifacts the job jar bundles (the shade includes of jobs/pom.xml). */
    static final List<String> BUNDLED = List.of("/io/quantpipe/", "/quant-lib/target/", "/info/picocli/",
            "/com/typesafe/config/", "/com/microsoft/onnxruntime/", "/com/google/protobuf/protobuf-java/",
            "/org/apache/parquet/parquet-avro/", "/org/apache/parquet/parquet-variant/");

    private static final String SPARK_SUBMIT = """
            #!/usr/bin/env bash
            # spark-submit of a test SPARK_HOME: SparkSubmit from jars/, the driver JVM started with
            # spark.driver.extraJavaOptions as Spark's launcher does in client mode.
            home=$(cd "$(dirname "$0")/.." && pwd)
            opts=()
            args=("$@")
            i=0
            while [ $i -lt ${#args[@]} ]; do
              case "${args[i]}" in
                --verbose | -v | --supervise) i=$((i + 1)) ;;
                --conf | -c)
                  case "${args[i+1]}" in
                    spark.driver.extraJavaOptions=*) read -ra o <<< "${args[i+1]#*=}"; opts+=("${o[@]}") ;;
                  esac
                  i=$((i + 2)) ;;
                -*) i=$((i + 2)) ;;
                *) break ;;
              esac
            done
            exec "%s" ${opts[@]+"${opts[@]}"} -cp "$home/jars/*" org.apache.spark.deploy.SparkSubmit "$@"
            """;

    private final Path home;

    private SparkHome(Path home) {
        this.home = home;
    }

    private static SparkHome shared;

    /**
     * The distribution of this test JVM, in {@code target/spark-home} (made afresh once per JVM; a
     * temporary folder would warn about every link when deleted).
     */
    public static synchronized SparkHome shared() throws IOException {
        if (shared == null) {
            Path dir = Path.of("target", "spark-home").toAbsolutePath();
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            shared = create(dir);
        }
        return shared;
    }

    private static SparkHome create(Path dir) throws IOException {
        Path jars = Files.createDirectories(dir.resolve("jars"));
        for (Path jar : sparkJars()) {
            Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path submit = bin.resolve("spark-submit");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(submit, SPARK_SUBMIT.formatted(java));
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new SparkHome(dir);
    }

    /** The runtime classpath of the jobs module, without what the job jar bundles. */
    static List<Path> sparkJars() throws IOException {
        Path file = Path.of(System.getProperty("quantpipe.classpath-file", "target/classpath.txt"));
        List<Path> out = new ArrayList<>();
        for (String entry : Files.readString(file).strip().split(java.io.File.pathSeparator)) {
            if (BUNDLED.stream().noneMatch(entry::contains) && entry.endsWith(".jar")) {
                out.add(Path.of(entry));
            }
        }
        return out;
    }

    public Path home() {
        return home;
    }

    /** A classpath of every jar of the distribution. */
    public String jarsClasspath() {
        return home.resolve("jars") + "/*";
    }

    /** What spark-submit and local-cluster workers need to find the distribution. */
    public Map<String, String> env() {
        return Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.13", "SPARK_LOCAL_IP", "127.0.0.1");
    }

    /** The working folders of the executors local-cluster workers started: work/app-.../N. */
    public List<Path> executorDirs() throws IOException {
        Path work = home.resolve("work");
        if (!Files.isDirectory(work)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(work, 2)) {
            return s.filter(p -> p.getNameCount() == work.getNameCount() + 2 && Files.isDirectory(p)).sorted().toList();
        }
    }
}

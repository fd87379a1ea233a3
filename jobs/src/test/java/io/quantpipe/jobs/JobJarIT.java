package io.quantpipe.jobs;

import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job jar {@code mvn package} builds for spark-submit. */
class JobJarIT {
    static final Path JOB_JAR = Path.of(System.getProperty("quantpipe.job-jar", "target/quantpipe-jobs-job.jar"));

    /**
     * Skips an integration test class outside failsafe: only mvn verify, after package, tells where
     * the job jar and the classpath file are.
     */
    static void assumeVerifyPhase() {
        Assumptions.assumeTrue(System.getProperty("quantpipe.job-jar") != null,
                "an integration test: mvn verify runs it after package");
    }
    static final Path MODEL = ProcessRun.ROOT.resolve("data/fixtures/fashion_cnn.onnx");

    @TempDir
    static Path dir;

    private static List<String> entries;

    @BeforeAll
    static void list() throws IOException {
        assumeVerifyPhase();
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            entries = jar.stream().map(java.util.zip.ZipEntry::getName).toList();
        }
    }

    @Test
    void holdsQuantpipeAndWhatASparkDistributionLacks() {
        for (String e : List.of("io/quantpipe/jobs/Main.class", "io/quantpipe/quant/onnx/proto/OnnxIr.class",
                "picocli/CommandLine.class", "com/typesafe/config/ConfigFactory.class", "ai/onnxruntime/OrtSession.class",
                "ai/onnxruntime/native/linux-x64/libonnxruntime.so", "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so",
                "io/quantpipe/shaded/protobuf/GeneratedMessage.class", "org/apache/parquet/avro/AvroParquetWriter.class",
                "reference.conf")) {
            assertTrue(entries.contains(e), e);
        }
    }

    /** quant-lib's native observe kernels, where its build makes them (the profile's condition, see quant-lib/pom.xml). */
    @Test
    void carriesTheNativeObserveKernelsWhereTheBuildMakesThem() {
        boolean built = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64") && java.nio.file.Files.exists(Path.of("/usr/bin/gcc"));
        assertEquals(built, entries.contains("native/linux-x86_64/libquantpipe-observe.so"), entries.toString());
    }

    @Test
    void leavesOutWhatTheClusterProvidesAndRelocatesProtobuf() {
        List<String> provided = List.of("org/apache/spark/", "scala/", "org/apache/hadoop/", "com/fasterxml/",
                "org/apache/avro/", "org/apache/parquet/hadoop/", "org/apache/parquet/column/", "org/slf4j/",
                "org/apache/logging/", "com/google/protobuf/", "META-INF/versions/9/module-info.class");
        for (String e : entries) {
            for (String p : provided) {
                assertTrue(!e.startsWith(p), e);
            }
            assertTrue(!e.equals("module-info.class") && !e.contains(".dSYM/"), e);
        }
    }

    @Test
    void manifestNamesTheMainClassAndTheVersion() throws IOException {
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.quantpipe.jobs.Main", main.getValue("Main-Class"));
            assertEquals(System.getProperty("quantpipe.version"), main.getValue("Implementation-Version"));
        }
    }

    @Test
    void referenceConfHoldsEveryDefault() throws IOException {
        try (JarFile jar = new JarFile(JOB_JAR.toFile()); InputStream in = jar.getInputStream(jar.getEntry("reference.conf"))) {
            String conf = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            try (InputStream own = JobJarIT.class.getResourceAsStream("/reference.conf")) {
                assertNotNull(own);
                // The appending transformer ends each appended resource with a line break.
                assertEquals(new String(own.readAllBytes(), StandardCharsets.UTF_8).strip(), conf.strip());
            }
        }
    }

    /**
     * quant-lib's generated ONNX classes parse and write a model through the relocated protobuf, with
     * Spark's jars beside the job jar as on a cluster: the int8 model equals the one the unshaded
     * classes of this JVM write.
     */
    @Test
    void readsAndWritesModelsThroughTheRelocatedProtobuf() throws Exception {
        SparkHome spark = SparkHome.shared();
        Path fromJar = dir.resolve("from-jar.onnx");
        ProcessRun r = ProcessRun.run(Map.of(), dir, List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", JOB_JAR + ":" + spark.jarsClasspath(), "io.quantpipe.jobs.Main",
                "quantize", "--dynamic", "--model", MODEL.toString(), "--run", dir.toString(), "--out", fromJar.toString()));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("int8 model: " + fromJar), r.toString());

        Path here = dir.resolve("here.onnx");
        Cli local = Cli.run("quantize", "--dynamic", "--model", MODEL.toString(), "--run", dir.toString(), "--out", here.toString());
        assertEquals(0, local.code(), local.toString());
        assertEquals(withoutVersion(ModelFile.read(here)), withoutVersion(ModelFile.read(fromJar)));
    }

    /** The provenance names quantpipe's version: the jar's, or "dev" from classes. */
    private static ModelProto withoutVersion(ModelProto m) {
        ModelProto.Builder b = m.toBuilder().clearMetadataProps();
        m.getMetadataPropsList().stream().filter(p -> !p.getKey().equals("quantpipe.version")).forEach(b::addMetadataProps);
        return b.build();
    }
}

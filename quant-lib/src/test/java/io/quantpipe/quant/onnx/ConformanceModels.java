package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the ONNX conformance models of Debian's {@code libonnx-testdata}. */
final class ConformanceModels {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data");

    private ConformanceModels() {
    }

    /** {@code <suite>/<test>/model.onnx}, failing with what to do when the package is missing. */
    static Path model(String suite, String test) {
        Path p = folder(suite).resolve(test).resolve("model.onnx");
        if (!Files.isRegularFile(p)) {
            fail("expected conformance model " + p + "; run scripts/setup-test-deps to install libonnx-testdata");
        }
        return p;
    }

    /** Every {@code model.onnx} of one suite ({@code node}, {@code pytorch-converted}, ...), sorted. */
    static List<Path> all(String suite) {
        try (Stream<Path> tests = Files.list(folder(suite))) {
            return tests.map(t -> t.resolve("model.onnx")).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The suites present besides {@code node} (model folders differ between package versions). */
    static List<String> suites() {
        try (Stream<Path> suites = Files.list(folder(""))) {
            return suites.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path folder(String suite) {
        Path p = ROOT.resolve(suite);
        if (!Files.isDirectory(p)) {
            fail("expected ONNX conformance data at " + p + "; run scripts/setup-test-deps to install libonnx-testdata");
        }
        return p;
    }
}

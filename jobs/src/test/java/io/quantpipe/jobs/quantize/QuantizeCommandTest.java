package io.quantpipe.jobs.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.jobs.Cli;
import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.calibrate.CalibrationTables;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import io.quantpipe.quant.io.TensorRtCache;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.StringStringEntryProto;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import io.quantpipe.quant.tensor.QuantParams;
import io.quantpipe.quant.tensor.QuantSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {
    static final Path MODEL = Path.of("../data/fixtures/fashion_cnn.onnx");
    @TempDir
    static Path run;

    /** A calibrate run's state, made on one machine from 200 training images. */
    @BeforeAll
    static void calibrate() throws Exception {
        IdxArray images = IdxReader.read(Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"), 200);
        try (CalibrationSession s = CalibrationSession.open(ModelFile.read(MODEL), ObserverConfig.defaults(), RunnerOptions.defaults())) {
            float[] batch = new float[200 * 784];
            for (int i = 0; i < 200; i++) {
                System.arraycopy(images.normalised(i), 0, batch, i * 784, 784);
            }
            s.observe(batch, new long[] {200, 1, 28, 28});
            Files.write(run.resolve(QuantizeCommand.STATE_FILE), s.state().toBytes());
        }
    }

    @Test
    void writesARunnableInt8ModelAndATensorRtCacheFromTheState() throws Exception {
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", run.toString(), "--method", "percentile:99.99");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("method percentile:"), r.out());
        ModelProto int8 = ModelFile.read(run.resolve(QuantizeCommand.MODEL_FILE));
        assertTrue(int8.getMetadataPropsList().stream().map(StringStringEntryProto::getValue).anyMatch(v -> v.startsWith("percentile:percentile=99.99")));
        try (ModelRunner runner = ModelRunner.create(int8, RunnerOptions.defaults())) {
            assertEquals(20, runner.run("input", new float[2 * 784], new long[] {2, 1, 28, 28}).values("logits").length);
        }
        // The cache holds TensorRT's scale (amax/127) of every quantized tensor, e.g. the input's:
        // percentile on pixels in [0, 1] keeps 1.0, so its scale is 1/127.
        TensorRtCache cache = TensorRtCache.read(run.resolve(QuantizeCommand.CACHE_FILE));
        assertEquals(1f / 127f, cache.scale("input"));
        Map<String, QuantParams> int8Symmetric = CalibrationTables.activationParams(
                io.quantpipe.quant.observe.CalibrationState.fromBytes(Files.readAllBytes(run.resolve(QuantizeCommand.STATE_FILE))),
                CalibrationMethod.parse("percentile:99.99"), QuantSpec.int8Symmetric());
        for (Map.Entry<String, QuantParams> e : int8Symmetric.entrySet()) {
            assertEquals(e.getValue().scale(0), cache.scale(e.getKey()), e.getKey());
        }
    }

    @Test
    void tensorRtPresetQuantizesActivationsSymmetricallyToInt8() throws Exception {
        Path out = run.resolve("trt.onnx");
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", run.toString(), "--preset", "tensorrt", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        ModelProto int8 = ModelFile.read(out);
        var inits = new java.util.HashMap<String, io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto>();
        int8.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
        int quantize = 0;
        for (NodeProto n : int8.getGraph().getNodeList()) {
            if (n.getOpType().equals("QuantizeLinear")) {
                quantize++;
                var zp = inits.get(n.getInput(2));
                assertEquals(3, zp.getDataType(), "int8 zero point");
                assertEquals(0, io.quantpipe.quant.onnx.Tensors.toInts(zp)[0]);
            }
        }
        assertTrue(quantize >= 8, "quantize nodes " + quantize);
    }

    @Test
    void keepsNamedNodesInFp32AndSaysSo() {
        Path out = run.resolve("mixed.onnx");
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", run.toString(), "--keep-fp32", "/fc/Gemm", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("left in FP32: /fc/Gemm"), r.out());
    }

    @Test
    void aRunWithoutStateIsBadInput(@TempDir Path empty) {
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", empty.toString());
        assertEquals(3, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("calibration.state"), r.err());
        assertFalse(Files.exists(empty.resolve(QuantizeCommand.MODEL_FILE)));
    }

    @Test
    void anUnknownMethodIsAConfigError() {
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", run.toString(), "--method", "magic", "--out", run.resolve("x.onnx").toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
    }

    @Test
    void dynamicQuantizationNeedsNoCalibration(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("dyn.onnx");
        Cli r = Cli.run("quantize", "--model", MODEL.toString(), "--run", dir.toString(), "--dynamic", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(ModelFile.read(out).getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("MatMulInteger")));
    }
}

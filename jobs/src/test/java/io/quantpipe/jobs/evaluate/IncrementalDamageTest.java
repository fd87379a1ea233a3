package io.quantpipe.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.eval.LayerError;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.QuantizationPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalDamageTest {
    static QuantizationPlan plan;

    @BeforeAll
    static void plan() {
        plan = CalibrationSession.plan(ModelFile.read(Fixture.MODEL));
    }

    /** Per-layer SQNRs (dB) of the fixture's quantized tensors, made up to be easy to check by hand. */
    private static List<LayerError> layers(Map<String, Double> sqnr) {
        List<LayerError> out = new ArrayList<>();
        sqnr.forEach((t, s) -> out.add(new LayerError(t, 0, 1, 1, s, 1, 0, 0, 0)));
        return out;
    }

    private static Map<String, Double> fixtureSqnr() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("input", 60.0);
        s.put("/stem/stem.2/Relu_output_0", 20.0);
        s.put("/pool1/MaxPool_output_0", 20.0);
        s.put("/widen/widen.2/Relu_output_0", 18.0);
        s.put("/res/Relu_output_0", 17.0);
        s.put("/res/conv2/Conv_output_0", 16.5);
        s.put("/res/Relu_1_output_0", 16.0);
        s.put("/pool2/MaxPool_output_0", 16.0);
        s.put("/head_conv/head_conv.2/Relu_output_0", 15.0);
        s.put("/gap/GlobalAveragePool_output_0", 15.5);
        s.put("/Flatten_output_0", 15.5);
        return s;
    }

    /** -10 log10(10^(-out/10) - 10^(-in/10)): the noise a step adds, as an SQNR. */
    private static double added(double out, double in) {
        return -10 * Math.log10(Math.pow(10, -out / 10) - Math.pow(10, -in / 10));
    }

    @Test
    void ranksTensorsByTheNoiseTheyAddNotByTheNoiseTheyCarry() {
        List<IncrementalDamage.Culprit> ranked = IncrementalDamage.rank(plan, layers(fixtureSqnr()), "logits", 14.0);
        Map<String, IncrementalDamage.Culprit> by = new LinkedHashMap<>();
        ranked.forEach(c -> by.put(c.tensor(), c));

        // The logits carry the most noise, and add a lot of it over the Flatten's 15.5 dB.
        assertEquals("logits", ranked.get(0).tensor());
        assertEquals(added(14, 15.5), ranked.get(0).incrementalSqnrDb(), 1e-9);
        assertEquals(List.of("/fc/Gemm"), ranked.get(0).nodes());
        // The stem adds nearly all of its 20 dB on an almost exact input.
        assertEquals("/stem/stem.2/Relu_output_0", ranked.get(1).tensor());
        assertEquals(added(20, 60), ranked.get(1).incrementalSqnrDb(), 1e-9);
        assertEquals(60.0, ranked.get(1).inheritedSqnrDb(), 1e-9);
        assertEquals(List.of("/stem/stem.0/Conv", "/pool1/MaxPool"), ranked.get(1).nodes());
        // A residual Add is blamed only for what exceeds its noisier input (conv2, 16.5 dB).
        assertEquals(added(16, 16.5), by.get("/res/Relu_1_output_0").incrementalSqnrDb(), 1e-9);
        assertEquals(List.of("/res/Add", "/pool2/MaxPool"), by.get("/res/Relu_1_output_0").nodes());
        // Two readers through the Flatten: keeping the pooled tensor in FP32 keeps the Gemm too.
        assertEquals(List.of("/gap/GlobalAveragePool", "/fc/Gemm"), by.get("/gap/GlobalAveragePool_output_0").nodes());
        // Steps that add nothing (a MaxPool passes its input on) come last, at +Inf.
        assertEquals(Double.POSITIVE_INFINITY, by.get("/pool1/MaxPool_output_0").incrementalSqnrDb());
        assertEquals(Double.POSITIVE_INFINITY, ranked.get(ranked.size() - 1).incrementalSqnrDb());
        // The graph input inherits nothing: all its noise is its own.
        assertEquals(60.0, by.get("input").incrementalSqnrDb(), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, by.get("input").inheritedSqnrDb());
        assertEquals(List.of("/stem/stem.0/Conv"), by.get("input").nodes());
    }

    @Test
    void leavesOutTensorsWhoseErrorOrInputsWereNotMeasured() {
        Map<String, Double> s = fixtureSqnr();
        s.remove("/pool1/MaxPool_output_0");
        List<String> ranked = IncrementalDamage.rank(plan, layers(s), "logits", 14.0).stream()
                .map(IncrementalDamage.Culprit::tensor).toList();
        assertEquals(false, ranked.contains("/pool1/MaxPool_output_0"));
        assertEquals(false, ranked.contains("/widen/widen.2/Relu_output_0"), "its input was not measured");
        assertEquals(true, ranked.contains("/stem/stem.2/Relu_output_0"));
    }

    @Test
    void keepingAPoolInFp32KeepsTheReadersOfItsNowUncalibratedOutput(@TempDir Path dir) throws Exception {
        CalibrationState state = CalibrationRun.require(Fixture.calibrationRun(dir, 20), "x").state();
        assertEquals(Set.of("/pool1/MaxPool", "/widen/widen.0/Conv"),
                AccuracyFallback.closure(plan, state, Set.of(), List.of("/pool1/MaxPool")));
        // Keeping the stem's tensor in FP32 (its conv and the pool reading it) leaves the pool's output,
        // never calibrated on its own, read by the quantized widen conv: the conv is kept as well.
        assertEquals(Set.of("/stem/stem.0/Conv", "/pool1/MaxPool", "/widen/widen.0/Conv"),
                AccuracyFallback.closure(plan, state, Set.of(), List.of("/stem/stem.0/Conv", "/pool1/MaxPool")));
        assertEquals(Set.of("/fc/Gemm"), AccuracyFallback.closure(plan, state, Set.of(), List.of("/fc/Gemm")));
    }
}

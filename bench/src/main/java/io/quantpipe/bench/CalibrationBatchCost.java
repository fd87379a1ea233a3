package io.quantpipe.bench;

import io.quantpipe.quant.calibrate.ActivationObserver;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.onnx.ModelFile;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.runtime.FloatTensor;
import io.quantpipe.quant.runtime.GraphOptimization;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunnerOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where a calibration batch's time goes, per CPU-second of one thread: plain FP32 inference, the
 * same batch on the model instrumented to output every calibrated tensor (outputs read, not
 * observed), observing those outputs alone, and the whole observe step as calibrate runs it.
 * Real Fashion-MNIST images through the fixture model; medians over repeated passes.
 *
 * <p>Arguments: model, IDX images file, batch size (default 32, calibrate's), images (default 6,400).
 * {@code -Doptimization=EXTENDED} runs both models without ONNX Runtime's NCHWc layouts: about 2.5x
 * slower here, but then exposing the calibrated tensors costs ONNX Runtime almost nothing (with
 * NCHWc every exposed tensor is converted back to NCHW).
 */
public final class CalibrationBatchCost {
    private CalibrationBatchCost() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "data/fixtures/fashion_cnn.onnx");
        Path images = Path.of(args.length > 1 ? args[1] : "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 6400;

        IdxArray idx = IdxReader.read(images, count);
        int n = idx.itemSize();
        List<float[]> batches = new ArrayList<>();
        for (int from = 0; from + batch <= idx.count(); from += batch) {
            float[] b = new float[batch * n];
            for (int r = 0; r < batch; r++) {
                System.arraycopy(idx.normalised(from + r), 0, b, r * n, n);
            }
            batches.add(b);
        }
        long[] shape = {batch, 1, 28, 28};

        ModelProto fp32 = ModelFile.read(model);
        QuantizationPlan plan = CalibrationSession.plan(fp32);
        List<String> tensors = plan.observedTensors();
        String input = CalibrationSession.inputName(fp32);
        ObserverConfig config = new ObserverConfig(4096, -1, false);
        RunnerOptions options = RunnerOptions.defaults().withIntraOpThreads(1)
                .withOptimization(GraphOptimization.valueOf(System.getProperty("optimization", "ALL")));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (ModelRunner plain = ModelRunner.create(fp32, options);
                ModelRunner instrumented = ModelRunner.create(ActivationObserver.instrument(fp32, tensors), options)) {
            ActivationObserver observer = new ActivationObserver(instrumented, input, tensors, config);
            // One batch's activations, kept to time observing alone.
            List<float[]> acts = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            instrumented.runEach(Map.of(input, FloatTensor.of(batches.get(0), shape)), tensors,
                    (name, values, s) -> {
                        float[] copy = new float[values.remaining()];
                        values.get(values.position(), copy);
                        acts.add(copy);
                        shapes.add(s);
                    });
            for (String stage : new String[] {"plain", "instrumented", "observe-only", "calibrate"}) {
                double[] perImage = new double[9];
                for (int rep = 0; rep < perImage.length; rep++) {
                    CalibrationState state = new CalibrationState();
                    long[] sink = {0};
                    long t0 = threads.getCurrentThreadCpuTime();
                    for (float[] b : batches) {
                        switch (stage) {
                            case "plain" -> sink[0] += plain.run(input, b, shape).names().size();
                            case "instrumented" -> instrumented.runEach(Map.of(input, FloatTensor.of(b, shape)), tensors,
                                    (name, values, s) -> sink[0] += values.remaining());
                            case "observe-only" -> {
                                for (int t = 0; t < acts.size(); t++) {
                                    float[] a = acts.get(t);
                                    state.tensor(tensors.get(t), config).update(a, a.length, shapes.get(t));
                                }
                            }
                            default -> observer.observe(b, shape, state);
                        }
                    }
                    perImage[rep] = (threads.getCurrentThreadCpuTime() - t0) / 1e3 / (batches.size() * (double) batch);
                }
                double[] measured = Arrays.copyOfRange(perImage, 2, perImage.length);
                Arrays.sort(measured);
                System.out.printf("%-13s median %6.1f us CPU per image (range %.1f-%.1f)%n", stage,
                        measured[measured.length / 2], measured[0], measured[measured.length - 1]);
            }
        }
    }
}

package io.quantpipe.quant.report;

import io.quantpipe.quant.calibrate.CalibrationMethod;
import io.quantpipe.quant.calibrate.CalibrationTables;
import io.quantpipe.quant.eval.EvaluationState;
import io.quantpipe.quant.eval.LayerErrorState;
import io.quantpipe.quant.io.ScaleTable;
import io.quantpipe.quant.observe.CalibrationState;
import io.quantpipe.quant.observe.Histogram;
import io.quantpipe.quant.observe.ObserverConfig;
import io.quantpipe.quant.tensor.QuantSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Report inputs for tests: evaluation states of three calibration methods on random logits, layer
 * errors, and histograms with the scale table that every default calibration method computes from
 * them (the real calibrators, on synthetic activations).
 */
final class ReportFixture {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final List<String> METHODS = List.of("entropy", "percentile", "minmax");
    static final List<String> TENSORS = List.of("input", "conv1/Relu_output_0", "conv2/Relu_output_0",
            "res/Add_output_0", "fc1/Gemm_output_0", "logits");
    static final int ROWS = 2000;

    final ReportInput input;
    final Map<String, EvaluationState> states = new TreeMap<>();
    final LayerErrorState layers = new LayerErrorState();
    final Map<String, Histogram> histograms = new TreeMap<>();
    final ScaleTable scales;

    private ReportFixture(long seed, boolean labels, List<String> classNames, String title) {
        Random rnd = new Random(seed);
        int classes = CLASSES.size();
        float[] fp32 = new float[ROWS * classes];
        int[] truth = new int[ROWS];
        for (int r = 0; r < ROWS; r++) {
            truth[r] = rnd.nextInt(classes);
            for (int j = 0; j < classes; j++) {
                fp32[r * classes + j] = (float) (rnd.nextGaussian() * 2 + (j == truth[r] ? 6.5 : 0));
            }
        }
        // The methods differ in how much noise their int8 model adds.
        double[] noise = {0.25, 0.45, 1.1};
        for (int m = 0; m < METHODS.size(); m++) {
            EvaluationState s = new EvaluationState(classes);
            for (int from = 0; from < ROWS; from += 100) {
                float[] f = new float[100 * classes];
                float[] q = new float[100 * classes];
                System.arraycopy(fp32, from * classes, f, 0, f.length);
                for (int i = 0; i < q.length; i++) {
                    q[i] = Math.round(f[i] / 0.08f) * 0.08f + (float) (rnd.nextGaussian() * noise[m]);
                }
                int[] l = new int[100];
                System.arraycopy(truth, from, l, 0, 100);
                s.add(f, q, labels ? l : null, 3_100_000 + rnd.nextInt(600_000), 1_250_000 + rnd.nextInt(300_000));
            }
            states.put(METHODS.get(m), s);
        }
        for (int t = 0; t < TENSORS.size(); t++) {
            float[] x = new float[64 * 200];
            float[] y = new float[x.length];
            float step = 0.01f * (1 + ((t * 7) % 5) * 3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 2);
                y[i] = Math.round(x[i] / step) * step;
            }
            layers.add(TENSORS.get(t), x, y, 64);
        }
        CalibrationState cal = new CalibrationState();
        for (String tensor : TENSORS.subList(0, 4)) {
            float[] v = new float[60_000];
            for (int i = 0; i < v.length; i++) {
                double g = rnd.nextGaussian();
                v[i] = (float) (tensor.contains("Relu") ? Math.max(0, g * 1.5)
                        : tensor.contains("Add") ? Math.copySign(-Math.log(rnd.nextDouble()), g) : g);
            }
            cal.tensor(tensor, ObserverConfig.defaults()).update(v, 0, v.length);
            histograms.put(tensor, cal.tensors().get(tensor).histogram());
        }
        scales = CalibrationTables.compute(cal, CalibrationMethod.defaults(), QuantSpec.int8Symmetric());
        ReportInput.Builder b = ReportInput.builder().title(title);
        METHODS.forEach(m -> b.evaluation(m, states.get(m)));
        input = b.layers(layers)
                .histograms(histograms)
                .scales(scales)
                .modelBytes(1_712_345, 468_902)
                .fp32Nodes(List.of("/head/Softmax", "/pool/GlobalAveragePool"))
                .fallback(List.of(
                        new FallbackStep(0, List.of(), 0.9275, 0.0075, 21.1),
                        new FallbackStep(1, List.of("conv2/Relu_output_0"), 0.9315, 0.0035, 24.8),
                        new FallbackStep(2, List.of("conv2/Relu_output_0", "fc1/Gemm_output_0"), 0.934, 0.001, 27.5)))
                .classNames(classNames)
                .build();
    }

    /** Three methods, labels, layers, histograms, sizes, fallback, Fashion-MNIST class names. */
    static ReportFixture full(long seed) {
        return new ReportFixture(seed, true, CLASSES, "fashion_cnn \u00B7 INT8 evaluation");
    }

    /** As {@link #full} with names that try to break markup. */
    static ReportFixture hostile(long seed) {
        return new ReportFixture(seed, true, CLASSES.stream().map(c -> c + " <b>&\"'").toList(),
                "<script>alert('x')</script> & co");
    }

    /** One unlabelled evaluation and nothing else. */
    static ReportInput minimal() {
        RandomLogitsLite d = new RandomLogitsLite(3, 50, 4);
        EvaluationState s = new EvaluationState(4).add(d.fp32, d.int8, null);
        return ReportInput.builder().evaluation(s).build();
    }

    static ReportFixture unlabeled(long seed) {
        return new ReportFixture(seed, false, CLASSES, "unlabelled");
    }

    /** Plain random logits, for inputs that need nothing else. */
    static final class RandomLogitsLite {
        final float[] fp32;
        final float[] int8;

        RandomLogitsLite(long seed, int rows, int classes) {
            Random rnd = new Random(seed);
            fp32 = new float[rows * classes];
            int8 = new float[rows * classes];
            for (int i = 0; i < fp32.length; i++) {
                fp32[i] = (float) rnd.nextGaussian();
                int8[i] = fp32[i] + (float) (rnd.nextGaussian() * 0.05);
            }
        }
    }
}

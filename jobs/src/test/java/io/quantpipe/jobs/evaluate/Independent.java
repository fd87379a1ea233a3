package io.quantpipe.jobs.evaluate;

import io.quantpipe.quant.io.IdxArray;
import io.quantpipe.quant.io.IdxReader;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.runtime.FloatTensor;
import io.quantpipe.quant.runtime.ModelRunner;
import io.quantpipe.quant.runtime.RunOutputs;
import io.quantpipe.quant.runtime.RunnerOptions;

import java.util.List;
import java.util.Map;

/**
 * The test's own reference: both models run with {@link ModelRunner} in this JVM over the first rows
 * of the Fashion-MNIST test set read from the IDX files (the rows the Parquet samples were ingested
 * from), and every metric computed here in plain loops, without quantpipe's evaluation code.
 */
final class Independent {
    static final int CLASSES = 10;

    final int rows;
    final int[] labels;
    final float[] fp32;
    final float[] int8;

    private Independent(int rows, int[] labels, float[] fp32, float[] int8) {
        this.rows = rows;
        this.labels = labels;
        this.fp32 = fp32;
        this.int8 = int8;
    }

    /** Logits of both models over the first {@code rows} test images, in batches of {@code batch}. */
    static Independent run(ModelProto fp32Model, ModelProto int8Model, int rows, int batch) {
        IdxArray images = IdxReader.read(Fixture.TEST_IMAGES, rows);
        int[] labels = IdxReader.read(Fixture.TEST_LABELS, rows).labels();
        return new Independent(rows, labels, logits(fp32Model, images, rows, batch), logits(int8Model, images, rows, batch));
    }

    /** Activations of the named tensors of {@code model} over the first rows, concatenated per tensor. */
    static Map<String, float[]> activations(ModelProto model, List<String> tensors, int rows) {
        IdxArray images = IdxReader.read(Fixture.TEST_IMAGES, rows);
        float[] x = new float[rows * 784];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(images.normalised(i), 0, x, i * 784, 784);
        }
        try (ModelRunner r = ModelRunner.create(io.quantpipe.quant.runtime.IntermediateOutputs.expose(model, tensors),
                RunnerOptions.defaults())) {
            RunOutputs out = r.run(Map.of("input", FloatTensor.of(x, rows, 1, 28, 28)), tensors);
            Map<String, float[]> m = new java.util.LinkedHashMap<>();
            tensors.forEach(t -> m.put(t, out.values(t)));
            return m;
        }
    }

    private static float[] logits(ModelProto model, IdxArray images, int rows, int batch) {
        float[] out = new float[rows * CLASSES];
        try (ModelRunner r = ModelRunner.create(model, RunnerOptions.defaults())) {
            for (int from = 0; from < rows; from += batch) {
                int n = Math.min(batch, rows - from);
                float[] x = new float[n * 784];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(images.normalised(from + i), 0, x, i * 784, 784);
                }
                float[] y = r.run("input", x, new long[] {n, 1, 28, 28}).values("logits");
                System.arraycopy(y, 0, out, from * CLASSES, y.length);
            }
        }
        return out;
    }

    static int argmax(float[] logits, int row) {
        int best = 0;
        for (int j = 1; j < CLASSES; j++) {
            if (logits[row * CLASSES + j] > logits[row * CLASSES + best]) {
                best = j;
            }
        }
        return best;
    }

    long correct(float[] logits) {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            if (argmax(logits, r) == labels[r]) {
                n++;
            }
        }
        return n;
    }

    long top5Correct(float[] logits) {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            float s = logits[r * CLASSES + labels[r]];
            int above = 0;
            for (int j = 0; j < CLASSES; j++) {
                float v = logits[r * CLASSES + j];
                if (v > s || (v == s && j < labels[r])) {
                    above++;
                }
            }
            if (above < 5) {
                n++;
            }
        }
        return n;
    }

    long agreeing() {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            if (argmax(fp32, r) == argmax(int8, r)) {
                n++;
            }
        }
        return n;
    }

    /** 10 log10(sum x^2 / sum (x - y)^2) over every logit. */
    double sqnrDb() {
        return sqnr(fp32, int8);
    }

    static double sqnr(float[] x, float[] y) {
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < x.length; i++) {
            signal += (double) x[i] * x[i];
            double d = (double) x[i] - y[i];
            noise += d * d;
        }
        return 10 * Math.log10(signal / noise);
    }

    double meanCosine() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double xy = 0;
            double xx = 0;
            double yy = 0;
            for (int j = 0; j < CLASSES; j++) {
                double a = fp32[r * CLASSES + j];
                double b = int8[r * CLASSES + j];
                xy += a * b;
                xx += a * a;
                yy += b * b;
            }
            sum += xy / Math.sqrt(xx * yy);
        }
        return sum / rows;
    }

    /** Mean over rows of sum p log(p / q), p and q the softmaxes of the FP32 and int8 logits. */
    double meanKl() {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double[] p = softmax(fp32, r);
            double[] q = softmax(int8, r);
            for (int j = 0; j < CLASSES; j++) {
                sum += p[j] * (Math.log(p[j]) - Math.log(q[j]));
            }
        }
        return sum / rows;
    }

    private static double[] softmax(float[] logits, int r) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < CLASSES; j++) {
            max = Math.max(max, logits[r * CLASSES + j]);
        }
        double[] e = new double[CLASSES];
        double total = 0;
        for (int j = 0; j < CLASSES; j++) {
            e[j] = Math.exp(logits[r * CLASSES + j] - max);
            total += e[j];
        }
        for (int j = 0; j < CLASSES; j++) {
            e[j] /= total;
        }
        return e;
    }

    double maxAbsDiff() {
        double m = 0;
        for (int i = 0; i < fp32.length; i++) {
            m = Math.max(m, Math.abs((double) fp32[i] - int8[i]));
        }
        return m;
    }

    double mse() {
        double s = 0;
        for (int i = 0; i < fp32.length; i++) {
            double d = (double) fp32[i] - int8[i];
            s += d * d;
        }
        return s / fp32.length;
    }

    /** confusion[true][predicted] of the given logits. */
    long[][] confusion(float[] logits) {
        long[][] c = new long[CLASSES][CLASSES];
        for (int r = 0; r < rows; r++) {
            c[labels[r]][argmax(logits, r)]++;
        }
        return c;
    }
}

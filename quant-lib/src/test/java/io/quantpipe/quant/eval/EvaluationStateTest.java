package io.quantpipe.quant.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EvaluationStateTest {

    /** Every metric, computed the plain way: sort each row, softmax in probabilities, one running sum. */
    record Reference(double fp32Top1, double fp32Top5, double int8Top1, double int8Top5, double agreement,
            double sqnrDb, double cosine, double kl, double mse, double maxAbsDiff, long[][] fp32Confusion,
            long[][] int8Confusion) {

        static Reference of(RandomLogits d) {
            int n = d.rows;
            int c = d.classes;
            long fp32Top1 = 0, fp32Top5 = 0, int8Top1 = 0, int8Top5 = 0, agree = 0;
            double signal = 0, noise = 0, cosine = 0, kl = 0, maxDiff = 0;
            long[][] cf = new long[c][c];
            long[][] ci = new long[c][c];
            for (int r = 0; r < n; r++) {
                Integer[] of = order(d.fp32, r * c, c);
                Integer[] oi = order(d.int8, r * c, c);
                int label = d.labels[r];
                fp32Top1 += of[0] == label ? 1 : 0;
                int8Top1 += oi[0] == label ? 1 : 0;
                fp32Top5 += Arrays.asList(of).subList(0, Math.min(5, c)).contains(label) ? 1 : 0;
                int8Top5 += Arrays.asList(oi).subList(0, Math.min(5, c)).contains(label) ? 1 : 0;
                agree += of[0].equals(oi[0]) ? 1 : 0;
                cf[label][of[0]]++;
                ci[label][oi[0]]++;
                double dot = 0, nx = 0, ny = 0;
                double[] p = softmax(d.fp32, r * c, c);
                double[] q = softmax(d.int8, r * c, c);
                for (int j = 0; j < c; j++) {
                    double x = d.fp32[r * c + j];
                    double y = d.int8[r * c + j];
                    signal += x * x;
                    noise += (x - y) * (x - y);
                    dot += x * y;
                    nx += x * x;
                    ny += y * y;
                    maxDiff = Math.max(maxDiff, Math.abs(x - y));
                    kl += p[j] * Math.log(p[j] / q[j]);
                }
                cosine += dot / (Math.sqrt(nx) * Math.sqrt(ny));
            }
            return new Reference((double) fp32Top1 / n, (double) fp32Top5 / n, (double) int8Top1 / n,
                    (double) int8Top5 / n, (double) agree / n, 10 * Math.log10(signal / noise), cosine / n, kl / n,
                    noise / ((double) n * c), maxDiff, cf, ci);
        }

        private static Integer[] order(float[] v, int offset, int c) {
            Integer[] idx = IntStream.range(0, c).boxed().toArray(Integer[]::new);
            Arrays.sort(idx, Comparator.comparingDouble((Integer j) -> -v[offset + j]));
            return idx;
        }

        private static double[] softmax(float[] v, int offset, int c) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, v[offset + j]);
            }
            double[] p = new double[c];
            double sum = 0;
            for (int j = 0; j < c; j++) {
                p[j] = Math.exp(v[offset + j] - max);
                sum += p[j];
            }
            for (int j = 0; j < c; j++) {
                p[j] /= sum;
            }
            return p;
        }
    }

    private static void assertClose(double expected, double actual, double relative, String what) {
        assertTrue(Math.abs(expected - actual) <= relative * Math.abs(expected) + 1e-300,
                what + ": expected " + expected + ", found " + actual);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void metricsMatchAStraightforwardComputation(long seed) {
        RandomLogits d = new RandomLogits(seed, 700, seed % 2 == 0 ? 10 : 7);
        EvaluationState s = new EvaluationState(d.classes);
        for (int from = 0; from < d.rows; from += 64) {
            int to = Math.min(d.rows, from + 64);
            s.add(d.fp32Rows(from, to), d.int8Rows(from, to), d.labelRows(from, to), 1000 + from, 400 + from);
        }
        Reference ref = Reference.of(d);
        EvaluationSummary m = s.summary();
        assertEquals(d.rows, m.rows());
        assertEquals(d.rows, m.labeledRows());
        assertEquals(ref.fp32Top1(), m.fp32Top1());
        assertEquals(ref.fp32Top5(), m.fp32Top5());
        assertEquals(ref.int8Top1(), m.int8Top1());
        assertEquals(ref.int8Top5(), m.int8Top5());
        assertEquals(ref.agreement(), m.top1Agreement());
        assertTrue(m.fp32Top1() > 0.5 && m.fp32Top1() < 1, "accuracy should be informative: " + m.fp32Top1());
        assertTrue(m.int8Top5() > m.int8Top1());
        assertTrue(m.top1Agreement() < 1, "the noise should flip some predictions");
        assertClose(ref.sqnrDb(), m.sqnrDb(), 1e-12, "SQNR");
        assertClose(ref.cosine(), m.cosine(), 1e-12, "cosine");
        assertClose(ref.kl(), m.kl(), 1e-9, "KL");
        assertClose(ref.mse(), m.mse(), 1e-12, "MSE");
        assertEquals(ref.maxAbsDiff(), m.maxAbsDiff());
        for (int t = 0; t < d.classes; t++) {
            long count = 0;
            for (int p = 0; p < d.classes; p++) {
                assertEquals(ref.fp32Confusion()[t][p], s.fp32().confusion(t, p));
                assertEquals(ref.int8Confusion()[t][p], s.int8().confusion(t, p));
                count += ref.fp32Confusion()[t][p];
            }
            assertEquals(count, s.fp32().classCount(t));
            assertEquals(ref.int8Confusion()[t][t], s.int8().classCorrect(t));
        }
        assertEquals(0, m.int8NonFinite());
        assertEquals(d.rows, m.finiteRows());
        // Batches of 64 rows: 1000 + from and 400 + from nanoseconds.
        assertEquals(11, m.fp32Latency().batches());
        assertEquals((1000.0 + 320) / 1e6, m.fp32Latency().medianMs(), 1e-15);
        long fp32Total = 0, int8Total = 0;
        for (int from = 0; from < d.rows; from += 64) {
            fp32Total += 1000 + from;
            int8Total += 400 + from;
        }
        assertEquals((double) fp32Total / int8Total, m.speedup());
    }

    @Test
    void kullbackLeiblerMatchesAKnownValue() {
        // KL([0.5, 0.5] || [0.25, 0.75]) = 0.5 ln 2 + 0.5 ln(2/3)
        float[] fp32 = {0f, 0f};
        float[] int8 = {0f, (float) Math.log(3)};
        EvaluationState s = new EvaluationState(2).add(fp32, int8, null);
        assertEquals(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), s.summary().kl(), 1e-7);
        // log-softmax stays finite where exp overflows.
        EvaluationState big = new EvaluationState(2).add(new float[] {1000f, 0f}, new float[] {1000f, 0f}, null);
        assertEquals(0.0, big.summary().kl());
        assertEquals(1.0, big.summary().cosine());
        assertEquals(Double.POSITIVE_INFINITY, big.summary().sqnrDb());
    }

    @Test
    void topKFollowsTheArgmaxTieBreak() {
        // Six classes all tied: class 0 is the prediction, classes 0..4 are the top 5, class 5 is not.
        float[] tied = new float[6];
        EvaluationState s = new EvaluationState(6);
        s.add(tied, tied, new int[] {0});
        s.add(tied, tied, new int[] {4});
        s.add(tied, tied, new int[] {5});
        assertEquals(1, s.fp32().top1Correct());
        assertEquals(2, s.fp32().topKCorrect());
        assertEquals(1, s.fp32().confusion(4, 0));
    }

    @Test
    void partitionsMergedInAnyOrderEqualTheSingleState() {
        for (long seed = 11; seed <= 14; seed++) {
            RandomLogits d = new RandomLogits(seed, 1500, 10);
            Random rnd = new Random(seed);
            EvaluationState single = new EvaluationState(10);
            single.add(d.fp32, d.int8, d.labels, 5_000, 2_000);
            for (int trial = 0; trial < 3; trial++) {
                List<EvaluationState> parts = partitions(d, rnd, 2 + rnd.nextInt(12));
                EvaluationState merged = mergeInRandomTree(parts, rnd);
                EvaluationSummary a = single.summary();
                EvaluationSummary b = merged.summary();
                assertEquals(a.rows(), b.rows());
                assertEquals(a.fp32Top1(), b.fp32Top1());
                assertEquals(a.int8Top5(), b.int8Top5());
                assertEquals(a.top1Agreement(), b.top1Agreement());
                assertClose(a.sqnrDb(), b.sqnrDb(), 1e-12, "SQNR");
                assertClose(a.cosine(), b.cosine(), 1e-12, "cosine");
                assertClose(a.kl(), b.kl(), 1e-12, "KL");
                assertClose(a.mse(), b.mse(), 1e-12, "MSE");
                // Stronger than 1e-12: the exact sums make them bit-identical.
                assertEquals(a.sqnrDb(), b.sqnrDb());
                assertEquals(a.kl(), b.kl());
                assertEquals(single.outputs(), merged.outputs());
                assertEquals(single.fp32(), merged.fp32());
                assertEquals(single.int8(), merged.int8());
            }
        }
    }

    @Test
    void mergedStatesHaveTheSameBytesWhateverTheMergeOrder() {
        RandomLogits d = new RandomLogits(21, 900, 10);
        Random rnd = new Random(21);
        List<EvaluationState> parts = partitions(d, rnd, 9);
        List<byte[]> partBytes = parts.stream().map(EvaluationState::toBytes).toList();
        byte[] first = null;
        for (int trial = 0; trial < 5; trial++) {
            List<EvaluationState> copies = new ArrayList<>(partBytes.stream().map(EvaluationState::fromBytes).toList());
            byte[] b = mergeInRandomTree(copies, rnd).toBytes();
            if (first == null) {
                first = b;
            } else {
                assertArrayEquals(first, b);
            }
        }
    }

    @Test
    void latencyQuantilesDoNotDependOnMergeOrder() {
        Random rnd = new Random(5);
        int batches = 3001;
        long[] fp32 = new long[batches];
        long[] int8 = new long[batches];
        for (int i = 0; i < batches; i++) {
            fp32[i] = 1_000_000 + (long) (rnd.nextDouble() * 9_000_000);
            int8[i] = 300_000 + (long) (Math.abs(rnd.nextGaussian()) * 2_000_000);
        }
        double[] medians = new double[2];
        double[] p95s = new double[2];
        for (int trial = 0; trial < 4; trial++) {
            List<EvaluationState> parts = new ArrayList<>();
            for (int p = 0; p < 1 + trial * 5; p++) {
                parts.add(new EvaluationState(3));
            }
            List<Integer> order = new ArrayList<>(IntStream.range(0, batches).boxed().toList());
            Collections.shuffle(order, rnd);
            for (int i : order) {
                parts.get(rnd.nextInt(parts.size())).add(new float[3], new float[3], null, fp32[i], int8[i]);
            }
            EvaluationState m = mergeInRandomTree(parts, rnd);
            EvaluationSummary s = m.summary();
            if (trial == 0) {
                medians[0] = s.fp32Latency().medianMs();
                medians[1] = s.int8Latency().medianMs();
                p95s[0] = s.fp32Latency().p95Ms();
                p95s[1] = s.int8Latency().p95Ms();
            }
            assertEquals(medians[0], s.fp32Latency().medianMs());
            assertEquals(medians[1], s.int8Latency().medianMs());
            assertEquals(p95s[0], s.fp32Latency().p95Ms());
            assertEquals(p95s[1], s.int8Latency().p95Ms());
        }
        // Against the sorted samples: n = 3001, median at index 1500, p95 at 0.95 * 3000 = 2850.
        long[] sorted = fp32.clone();
        Arrays.sort(sorted);
        assertEquals(sorted[1500] / 1e6, medians[0]);
        assertEquals(sorted[2850] / 1e6, p95s[0]);
    }

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        EvaluationState s = new EvaluationState(1);
        for (long n : new long[] {40, 10, 30, 20}) {
            s.add(new float[1], new float[1], null, n, 2 * n);
        }
        assertEquals(25.0, s.fp32Latency().quantileNanos(0.5));
        assertEquals(38.5, s.fp32Latency().quantileNanos(0.95), 1e-12);
        assertEquals(2.0, s.speedup() * 4, 1e-15);
    }

    @Test
    void bytesRoundTripByteForByte() {
        RandomLogits d = new RandomLogits(8, 300, 10);
        EvaluationState s = new EvaluationState(10);
        s.add(d.fp32Rows(0, 100), d.int8Rows(0, 100), d.labelRows(0, 100), 123, 45);
        s.add(d.fp32Rows(100, 300), d.int8Rows(100, 300), null, 99, 7);
        byte[] b = s.toBytes();
        EvaluationState back = EvaluationState.fromBytes(b);
        assertEquals(s, back);
        assertArrayEquals(b, back.toBytes());
        assertEquals(s.summary(), back.summary());
        byte[] empty = new EvaluationState(4).toBytes();
        assertArrayEquals(empty, EvaluationState.fromBytes(empty).toBytes());
    }

    @Test
    void damagedBytesAreBadInput() {
        byte[] b = new EvaluationState(3).add(new float[] {1, 2, 3}, new float[] {1, 2, 2}, new int[] {2}, 5, 4).toBytes();
        assertThrows(BadInputException.class, () -> EvaluationState.fromBytes(Arrays.copyOf(b, b.length - 1)));
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertThrows(BadInputException.class, () -> EvaluationState.fromBytes(longer));
        byte[] version = b.clone();
        version[3] = 9;
        assertThrows(BadInputException.class, () -> EvaluationState.fromBytes(version));
        byte[] layer = new LayerErrorState().toBytes();
        assertThrows(BadInputException.class, () -> EvaluationState.fromBytes(layer));
    }

    @Test
    void mergeRejectsItselfAndOtherClassCounts() {
        EvaluationState s = new EvaluationState(10);
        assertThrows(IllegalArgumentException.class, () -> s.merge(s));
        assertThrows(IllegalArgumentException.class, () -> s.merge(new EvaluationState(11)));
        EvaluationState empty = new EvaluationState(10);
        RandomLogits d = new RandomLogits(3, 50, 10);
        s.add(d.fp32, d.int8, d.labels, 10, 5);
        byte[] before = s.toBytes();
        s.merge(empty);
        assertArrayEquals(before, s.toBytes(), "merging an empty state changes nothing");
    }

    @Test
    void withoutLabelsAccuracyIsUndefinedAndOutputMetricsRemain() {
        RandomLogits d = new RandomLogits(4, 200, 10);
        EvaluationSummary m = new EvaluationState(10).add(d.fp32, d.int8, null).summary();
        assertTrue(Double.isNaN(m.fp32Top1()) && Double.isNaN(m.int8Top5()));
        assertEquals(0, m.labeledRows());
        assertEquals(Reference.of(d).agreement(), m.top1Agreement());
        assertTrue(Double.isNaN(m.speedup()) && m.fp32Latency().batches() == 0);
        assertTrue(Double.isNaN(m.fp32Latency().medianMs()));
    }

    @Test
    void nonFiniteInt8OutputsAreCountedAndKeptOutOfTheErrorMetrics() {
        float[] fp32 = {1, 2, 3, 4, 5, 6};
        float[] int8 = {1, 2, 3.5f, Float.NaN, Float.POSITIVE_INFINITY, 6};
        EvaluationState s = new EvaluationState(3).add(fp32, int8, new int[] {2, 2});
        EvaluationSummary m = s.summary();
        assertEquals(2, m.int8NonFinite());
        assertEquals(1, m.finiteRows());
        assertEquals(10 * Math.log10(14 / 0.25), m.sqnrDb(), 1e-12);
        assertEquals(0.5, m.maxAbsDiff());
        // Row 2's int8 prediction is the +Inf, class 1.
        assertEquals(1, s.int8().confusion(2, 1));
        assertEquals(0.5, m.top1Agreement());
        // An all-NaN row has no prediction.
        float[] nan = {Float.NaN, Float.NaN, Float.NaN};
        EvaluationState t = new EvaluationState(3).add(new float[] {0, 0, 1}, nan, new int[] {2});
        assertEquals(1, t.int8().unpredicted());
        assertEquals(0, t.int8().top1Correct());
        assertEquals(0, t.outputs().agreeingRows());
    }

    @Test
    void badBatchesAreRejectedAndLeaveTheStateUnchanged() {
        EvaluationState s = new EvaluationState(3);
        byte[] before = s.toBytes();
        assertThrows(BadInputException.class, () -> s.add(new float[5], new float[5], null));
        assertThrows(BadInputException.class, () -> s.add(new float[6], new float[3], null));
        assertThrows(BadInputException.class, () -> s.add(new float[6], new float[6], new int[] {1}));
        assertThrows(BadInputException.class, () -> s.add(new float[6], new float[6], new int[] {1, 3}));
        assertThrows(BadInputException.class, () -> s.add(new float[6], new float[6], null, -1, 0));
        assertArrayEquals(before, s.toBytes());
        assertThrows(BadInputException.class, () -> new EvaluationState(0));
        assertThrows(BadInputException.class, () -> new EvaluationState(-3));
    }

    @Test
    void metricRowsCarryClassNamesAndConfusionCells() {
        float[] fp32 = {3, 1, 0, /**/ 0, 2, 1};
        float[] int8 = {3, 1, 0, /**/ 2, 1, 0};
        EvaluationState s = new EvaluationState(3).add(fp32, int8, new int[] {0, 1});
        List<MetricRow> rows = s.metrics(List.of("T-shirt", "Trouser"));
        assertTrue(rows.contains(new MetricRow("model", "fp32", "top1", 1.0)));
        assertTrue(rows.contains(new MetricRow("model", "int8", "top1", 0.5)));
        assertTrue(rows.contains(new MetricRow("class", "Trouser", "int8_top1", 0.0)));
        assertTrue(rows.contains(new MetricRow("class", "2", "count", 0)));
        assertTrue(rows.contains(new MetricRow("confusion", "int8/1/0", "count", 1)));
        assertTrue(rows.contains(new MetricRow("confusion", "fp32/1/1", "count", 1)));
        assertEquals(4, rows.stream().filter(r -> r.entity().equals("confusion")).count());
    }

    static List<EvaluationState> partitions(RandomLogits d, Random rnd, int count) {
        List<Integer> rows = new ArrayList<>(IntStream.range(0, d.rows).boxed().toList());
        Collections.shuffle(rows, rnd);
        List<EvaluationState> parts = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            parts.add(new EvaluationState(d.classes));
        }
        // Each partition gets a random subset of rows, fed in random-sized batches.
        List<List<Integer>> assigned = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            assigned.add(new ArrayList<>());
        }
        for (int r : rows) {
            assigned.get(rnd.nextInt(count)).add(r);
        }
        for (int p = 0; p < count; p++) {
            List<Integer> mine = assigned.get(p);
            for (int i = 0; i < mine.size(); ) {
                int n = Math.min(mine.size() - i, 1 + rnd.nextInt(100));
                float[] f = new float[n * d.classes];
                float[] q = new float[n * d.classes];
                int[] l = new int[n];
                for (int k = 0; k < n; k++) {
                    int r = mine.get(i + k);
                    System.arraycopy(d.fp32, r * d.classes, f, k * d.classes, d.classes);
                    System.arraycopy(d.int8, r * d.classes, q, k * d.classes, d.classes);
                    l[k] = d.labels[r];
                }
                parts.get(p).add(f, q, l, 1000 + rnd.nextInt(1000), 500 + rnd.nextInt(500));
                i += n;
            }
        }
        return parts;
    }

    static EvaluationState mergeInRandomTree(List<EvaluationState> parts, Random rnd) {
        List<EvaluationState> pool = new ArrayList<>(parts);
        while (pool.size() > 1) {
            EvaluationState a = pool.remove(rnd.nextInt(pool.size()));
            EvaluationState b = pool.remove(rnd.nextInt(pool.size()));
            pool.add(a.merge(b));
        }
        return pool.get(0);
    }
}

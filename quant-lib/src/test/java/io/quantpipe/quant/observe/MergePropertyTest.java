package io.quantpipe.quant.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The property calibration rests on: data split into any chunks, observed separately and merged in
 * any order and tree shape, gives state bit-identical to observing all data at once.
 */
class MergePropertyTest {
    private static final int SEEDS = 40;

    static List<Object[]> cases() {
        List<Object[]> c = new ArrayList<>();
        for (String kind : Datasets.KINDS) {
            for (int seed = 0; seed < SEEDS; seed++) {
                c.add(new Object[] {kind, seed});
            }
        }
        return c;
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void histogramOfMergedChunksIsBitIdenticalToHistogramOfAllData(String kind, int seed) {
        Random rnd = new Random(seed * 7919L + kind.hashCode());
        int bins = 1 << (1 + rnd.nextInt(12));
        float[] x = Datasets.make(kind, 1 + rnd.nextInt(5000), rnd);
        Histogram whole = new Histogram(bins);
        whole.update(x);
        Histogram merged = mergeChunks(x, rnd, () -> new Histogram(bins), (h, r) -> h.update(x, r[0], r[1]), Histogram::merge);
        assertArrayEquals(whole.toBytes(), merged.toBytes());
        assertEquals(whole, merged);
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void minMaxOfMergedChunksIsBitIdenticalToMinMaxOfAllData(String kind, int seed) {
        Random rnd = new Random(seed * 104729L + kind.hashCode());
        float[] x = Datasets.make(kind, rnd.nextInt(3000), rnd);
        MinMax whole = new MinMax();
        whole.update(x);
        MinMax merged = mergeChunks(x, rnd, MinMax::new, (m, r) -> m.update(x, r[0], r[1]), MinMax::merge);
        assertArrayEquals(whole.toBytes(), merged.toBytes());
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void histogramMatchesAnIndependentExactBinning(String kind, int seed) {
        Random rnd = new Random(seed + 31L * kind.hashCode());
        int bins = 1 << (1 + rnd.nextInt(12));
        float[] x = Datasets.make(kind, 1 + rnd.nextInt(2000), rnd);
        Histogram h = new Histogram(bins);
        h.update(x);
        long[] expected = ReferenceBinning.counts(x, bins);
        assertEquals(ReferenceBinning.exponent(x), h.exponent());
        assertArrayEquals(expected, h.counts());
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void tensorStatsWithChannelsMergeExactlyAcrossBatches(String kind, int seed) {
        Random rnd = new Random(seed * 31337L + kind.hashCode());
        int batches = 1 + rnd.nextInt(8);
        long[] shape = {1 + rnd.nextInt(3), 1 + rnd.nextInt(5), 1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
        int n = (int) (shape[0] * shape[1] * shape[2] * shape[3]);
        ObserverConfig config = new ObserverConfig(256, 1, true);
        List<float[]> data = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            data.add(Datasets.make(kind, n, rnd));
        }
        TensorStats whole = new TensorStats(config);
        data.forEach(d -> whole.update(d, shape));
        List<TensorStats> parts = new ArrayList<>();
        for (float[] d : data) {
            TensorStats t = new TensorStats(config);
            t.update(d, shape);
            parts.add(t);
        }
        // Some empty partitions too.
        parts.add(new TensorStats(config));
        Collections.shuffle(parts, rnd);
        TensorStats merged = treeMerge(parts, rnd, TensorStats::merge);
        assertArrayEquals(whole.toBytes(), merged.toBytes());
    }

    /** Observes each chunk into its own state, then merges them in a random order and tree shape. */
    private static <S> S mergeChunks(float[] x, Random rnd, java.util.function.Supplier<S> zero,
            java.util.function.BiConsumer<S, int[]> observe, BinaryOperator<S> merge) {
        int[] cuts = Datasets.cuts(x.length, 1 + rnd.nextInt(12), rnd);
        List<S> parts = new ArrayList<>();
        for (int i = 0; i + 1 < cuts.length; i++) {
            S s = zero.get();
            observe.accept(s, new int[] {cuts[i], cuts[i + 1] - cuts[i]});
            // Round-trip some chunk states through bytes, as Spark would ship them.
            if (rnd.nextBoolean()) {
                s = roundTrip(s);
            }
            parts.add(s);
        }
        Collections.shuffle(parts, rnd);
        return treeMerge(parts, rnd, merge);
    }

    @SuppressWarnings("unchecked")
    private static <S> S roundTrip(S s) {
        if (s instanceof Histogram h) {
            return (S) Histogram.fromBytes(h.toBytes());
        }
        if (s instanceof MinMax m) {
            return (S) MinMax.fromBytes(m.toBytes());
        }
        return s;
    }

    /** Merges by repeatedly joining two random neighbours: every binary tree shape can occur. */
    static <S> S treeMerge(List<S> parts, Random rnd, BinaryOperator<S> merge) {
        List<S> level = new ArrayList<>(parts);
        while (level.size() > 1) {
            int i = rnd.nextInt(level.size() - 1);
            S joined = rnd.nextBoolean() ? merge.apply(level.get(i), level.get(i + 1)) : merge.apply(level.get(i + 1), level.get(i));
            level.set(i, joined);
            level.remove(i + 1);
        }
        return level.get(0);
    }

    static <T, R> R apply(Function<T, R> f, T t) {
        return f.apply(t);
    }
}

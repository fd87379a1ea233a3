package io.quantpipe.quant.io;

import io.quantpipe.quant.tensor.QuantType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Scale tables for tests: a small hand-written one and random ones over every float bit pattern. */
final class ScaleTables {
    private ScaleTables() {
    }

    static ScaleRow percentileRow() {
        return ScaleRow.builder("conv1.out", "percentile")
                .params(MethodParams.of("percentile", 99.99))
                .dtype(QuantType.UINT8)
                .scale(0.0123f)
                .zeroPoint(3)
                .range(-0.5f, 2.75f)
                .amax(2.75f)
                .threshold(2.5f)
                .counts(1000, 2, 0, 1)
                .build();
    }

    /** A channel that saw no finite value: empty range, no threshold. */
    static ScaleRow emptyChannelRow() {
        return ScaleRow.builder("conv1.weight", "minmax")
                .channel(0)
                .dtype(QuantType.INT8)
                .scale(0.25f)
                .range(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)
                .amax(0f)
                .counts(0, 7, 0, 0)
                .build();
    }

    static ScaleTable small() {
        return ScaleTable.of(percentileRow(), emptyChannelRow());
    }

    /** Rows whose float columns take random bit patterns (NaN, ±Inf, subnormals, -0.0 included). */
    static ScaleTable random(long seed, int size) {
        Random rnd = new Random(seed);
        String[] methods = {"minmax", "percentile", "entropy", "mse"};
        List<ScaleRow> rows = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String method = methods[rnd.nextInt(methods.length)];
            MethodParams params = switch (method) {
                case "percentile" -> MethodParams.of("percentile", 100 - rnd.nextDouble());
                case "entropy" -> MethodParams.of("divergence", "kl", "bins", (long) rnd.nextInt(4096));
                default -> MethodParams.none();
            };
            rows.add(ScaleRow.builder("t" + rnd.nextInt(50) + (rnd.nextBoolean() ? ":0" : "/x \"q\""), method)
                    .channel(rnd.nextInt(20) - 1)
                    .params(params)
                    .dtype(QuantType.values()[rnd.nextInt(3)])
                    .scale(randomFloat(rnd))
                    .zeroPoint(rnd.nextInt())
                    .range(randomFloat(rnd), randomFloat(rnd))
                    .amax(randomFloat(rnd))
                    .threshold(randomFloat(rnd))
                    .counts(rnd.nextLong() >>> 1, rnd.nextInt(1000), rnd.nextInt(3), rnd.nextInt(3))
                    .build());
        }
        return new ScaleTable(rows);
    }

    static float randomFloat(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, Float.MAX_VALUE, Float.MIN_NORMAL}[rnd.nextInt(8)];
            case 1 -> Float.intBitsToFloat(rnd.nextInt(0x00800000)); // subnormal
            case 2 -> rnd.nextInt(2000) / 64f;                        // exactly representable decimals
            default -> Float.intBitsToFloat(rnd.nextInt());
        };
    }
}

package io.quantpipe.quant.calibrate;

import io.quantpipe.quant.tensor.QuantSpec;

/**
 * The values a fake-quantizer can output, {@code (q - zp) * scale} for {@code q} in
 * {@code [qmin, qmax]}, and the squared error of rounding to them in closed form.
 *
 * <p>Fake-quantizing {@code x} ({@code rint(x / scale) + zp}, saturated, dequantized) returns the
 * grid point nearest to {@code x}, the end points for values beyond them, so the error is the
 * distance {@code d(x)} to the nearest grid point. Its square integrates cell by cell: each full cell
 * of width {@code scale} contributes {@code scale^3 / 12}, a partial one {@code (y2^3 - y1^3) / 3} in
 * offsets from its grid point, and beyond the end points {@code (x - end)^2} integrates likewise.
 * Scale and zero point follow ALGORITHMS.md; this is the MSE search's model of the quantizer, not
 * the one that writes the final tables.
 */
final class QuantGrid {
    final double scale;
    final long zeroPoint;
    /** Lowest and highest output values, {@code (qmin - zp) * scale} and {@code (qmax - zp) * scale}. */
    final double lowest;
    final double highest;
    private final long steps;

    private QuantGrid(double scale, long zeroPoint, int qmin, int qmax) {
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.lowest = (qmin - zeroPoint) * scale;
        this.highest = (qmax - zeroPoint) * scale;
        this.steps = (long) qmax - qmin;
    }

    /** Symmetric: {@code scale = amax / ((qmax - qmin) / 2)}, zero point the middle of the range. */
    static QuantGrid symmetric(QuantSpec spec, double amax) {
        long span = (long) spec.qmax() - spec.qmin();
        long zp = Math.floorDiv((long) spec.qmin() + spec.qmax() + 1, 2);
        return new QuantGrid(amax / (span / 2.0), zp, spec.qmin(), spec.qmax());
    }

    /**
     * Affine over {@code [min(lo, 0), max(hi, 0)]}: {@code scale = (hi - lo) / (qmax - qmin)},
     * {@code zp = qmin - rint(lo / scale)} clamped to {@code [qmin, qmax]}.
     */
    static QuantGrid affine(QuantSpec spec, double lo, double hi) {
        double l = Math.min(lo, 0);
        double h = Math.max(hi, 0);
        double scale = (h - l) / ((long) spec.qmax() - spec.qmin());
        long zp = spec.qmin() - (long) Math.rint(l / scale);
        zp = Math.max(spec.qmin(), Math.min(spec.qmax(), zp));
        return new QuantGrid(scale, zp, spec.qmin(), spec.qmax());
    }

    /** Distance from {@code x} to the nearest grid point: |x - fakeQuantize(x)|. */
    double distance(double x) {
        if (x <= lowest) {
            return lowest - x;
        }
        if (x >= highest) {
            return x - highest;
        }
        double u = (x - lowest) / scale;
        return Math.abs(u - Math.floor(u + 0.5)) * scale;
    }

    /** Integral of {@code d(x)^2} over {@code [a, b]}, {@code a <= b}. */
    double squaredErrorIntegral(double a, double b) {
        double sum = 0;
        if (a < lowest) {
            sum += cubeDifference(lowest - a, lowest - Math.min(b, lowest)) / 3;
        }
        if (b > highest) {
            sum += cubeDifference(b - highest, Math.max(a, highest) - highest) / 3;
        }
        double lo = Math.max(a, lowest);
        double hi = Math.min(b, highest);
        if (hi > lo) {
            sum += scale * scale * scale * cellIntegral((lo - lowest) / scale, (hi - lowest) / scale);
        }
        return sum;
    }

    /**
     * Mean of {@code d(x)^2} over {@code [a, b]} under a uniform density, {@code d(a)^2} when the
     * interval is a point.
     */
    double meanSquaredError(double a, double b) {
        if (b > a) {
            return squaredErrorIntegral(a, b) / (b - a);
        }
        double d = distance(a);
        return d * d;
    }

    /**
     * Integral of the squared distance to the nearest integer over {@code [u1, u2]} (grid units,
     * {@code 0 <= u1 <= u2}): whole cells give 1/12 each, the partial ends {@code r^3 / 3} in
     * offsets {@code r} in [-1/2, 1/2) from the cell's integer.
     */
    static double cellIntegral(double u1, double u2) {
        double n1 = Math.floor(u1 + 0.5);
        double n2 = Math.floor(u2 + 0.5);
        double r1 = u1 - n1;
        double r2 = u2 - n2;
        return (n2 - n1) / 12 + cubeDifference(r2, r1) / 3;
    }

    /** {@code y2^3 - y1^3}, factored so that close arguments do not cancel. */
    private static double cubeDifference(double y2, double y1) {
        return (y2 - y1) * (y2 * y2 + y2 * y1 + y1 * y1);
    }

    @Override
    public String toString() {
        return "QuantGrid[scale=" + scale + ", zeroPoint=" + zeroPoint + ", lowest=" + lowest + ", highest=" + highest + "]";
    }
}

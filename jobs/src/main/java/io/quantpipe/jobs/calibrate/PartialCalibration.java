package io.quantpipe.jobs.calibrate;

import io.quantpipe.quant.observe.CalibrationState;

import java.io.Serializable;

/**
 * What one or more partitions of the calibration pass found: the encoded {@link CalibrationState}
 * (exactly mergeable) and plain counts. Partials merge associatively and commutatively into
 * bit-identical results, whatever the partitioning, order or tree shape of the reduction, so they
 * go through {@code treeAggregate} as they are; they travel as bytes, the state's own stable
 * encoding, not by Java serialization of the observers.
 */
final class PartialCalibration implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte[] EMPTY_STATE = new CalibrationState().toBytes();

    private final byte[] state;
    private final long rows;
    private final long nonFiniteRows;
    private final long nonFiniteValues;
    private final int partitions;

    PartialCalibration(byte[] state, long rows, long nonFiniteRows, long nonFiniteValues, int partitions) {
        this.state = state;
        this.rows = rows;
        this.nonFiniteRows = nonFiniteRows;
        this.nonFiniteValues = nonFiniteValues;
        this.partitions = partitions;
    }

    /** The zero of the reduction: no partition, no rows. */
    static PartialCalibration empty() {
        return new PartialCalibration(EMPTY_STATE, 0, 0, 0, 0);
    }

    /** The result of one partition. */
    static PartialCalibration ofPartition(CalibrationState state, long rows, long nonFiniteRows, long nonFiniteValues) {
        return new PartialCalibration(state.toBytes(), rows, nonFiniteRows, nonFiniteValues, 1);
    }

    /** Both partials together; neither is changed. */
    static PartialCalibration merge(PartialCalibration a, PartialCalibration b) {
        if (a.partitions == 0) {
            return b;
        }
        if (b.partitions == 0) {
            return a;
        }
        byte[] merged = CalibrationState.fromBytes(a.state).merge(CalibrationState.fromBytes(b.state)).toBytes();
        return new PartialCalibration(merged, a.rows + b.rows, a.nonFiniteRows + b.nonFiniteRows,
                a.nonFiniteValues + b.nonFiniteValues, a.partitions + b.partitions);
    }

    CalibrationState state() {
        return CalibrationState.fromBytes(state);
    }

    byte[] stateBytes() {
        return state.clone();
    }

    /** Rows read from the dataset. */
    long rows() {
        return rows;
    }

    /** Rows holding at least one NaN or infinite input value. */
    long nonFiniteRows() {
        return nonFiniteRows;
    }

    /** NaN or infinite input values. */
    long nonFiniteValues() {
        return nonFiniteValues;
    }

    /** Partitions merged into this partial. */
    int partitions() {
        return partitions;
    }
}

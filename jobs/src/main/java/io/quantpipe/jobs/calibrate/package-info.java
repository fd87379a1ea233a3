/**
 * {@code quantpipe calibrate}: one Spark pass over the calibration set. Each partition runs the
 * instrumented FP32 model on its rows ({@link io.quantpipe.jobs.calibrate.PartitionTask}) and
 * returns the mergeable state of every calibrated tensor; the driver merges the states with
 * {@code treeAggregate} ({@link io.quantpipe.jobs.calibrate.PartialCalibration}) and writes the
 * scale tables of every method into the run folder ({@link io.quantpipe.jobs.calibrate.RunFolder}).
 */
package io.quantpipe.jobs.calibrate;

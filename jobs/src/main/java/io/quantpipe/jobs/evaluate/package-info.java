/**
 * {@code quantpipe evaluate}: scores an int8 (or any candidate) model against its FP32 model over a
 * test set in one Spark pass, with mergeable metric states reduced on the driver; per-layer error;
 * several calibration methods side by side; and the accuracy-aware fallback that {@code quantize
 * --accuracy-budget} runs.
 */
package io.quantpipe.jobs.evaluate;

/**
 * quantpipe's file formats: the scale table as JSON ({@link io.quantpipe.quant.io.ScalesJson}) and
 * Parquet ({@link io.quantpipe.quant.io.ScalesParquet}), TensorRT's calibration cache
 * ({@link io.quantpipe.quant.io.TensorRtCache}), IDX datasets ({@link io.quantpipe.quant.io.IdxReader}),
 * and {@link io.quantpipe.quant.io.AtomicFiles}, through which every output file is written.
 */
package io.quantpipe.quant.io;

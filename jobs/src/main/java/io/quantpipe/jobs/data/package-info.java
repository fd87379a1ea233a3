/**
 * Tensor datasets in Parquet: a tensor column ({@code array<float>}, {@code binary} float32
 * little-endian or {@code binary} uint8) and an optional integer label column. {@link
 * io.quantpipe.jobs.data.TensorDataset} checks a dataset against the model before any task runs;
 * {@link io.quantpipe.jobs.data.BatchIterator} turns a partition's rows into model-ready batches.
 */
package io.quantpipe.jobs.data;

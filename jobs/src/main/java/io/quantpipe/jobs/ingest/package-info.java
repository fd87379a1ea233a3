/**
 * {@code quantpipe ingest}: turns IDX files (MNIST, Fashion-MNIST), {@code .npy} arrays and folders
 * of images into quantpipe's Parquet dataset form, with the encoding, shape and class names in the
 * column metadata.
 */
package io.quantpipe.jobs.ingest;

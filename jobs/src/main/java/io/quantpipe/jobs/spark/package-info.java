/** The Spark session quantpipe runs in, Spark UI job descriptions, progress, and the tasks of a job. */
package io.quantpipe.jobs.spark;

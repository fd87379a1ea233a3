/** The Spark session quantpipe runs in, and Spark UI job descriptions. */
package io.quantpipe.jobs.spark;

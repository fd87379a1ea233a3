/** Spark jobs and the command line that wire Spark around quant-lib. */
package io.quantpipe.jobs;

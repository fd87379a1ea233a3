/**
 * quantpipe's configuration: {@code reference.conf} defaults, a user file, Spark properties,
 * {@code --set} pairs and command options, merged in that order of precedence and checked against
 * the known keys, behind the typed view {@link io.quantpipe.jobs.config.QuantpipeConfig}.
 */
package io.quantpipe.jobs.config;

package io.quantpipe.quant;

/** A usage or configuration error (exit code 2 on the command line). */
public class ConfigException extends QuantpipeException {
    public ConfigException(String message) {
        super(message);
    }
}

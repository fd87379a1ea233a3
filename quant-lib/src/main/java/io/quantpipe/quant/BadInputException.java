package io.quantpipe.quant;

/** The user's data or model is not what quantpipe can work with (exit code 3 on the command line). */
public class BadInputException extends QuantpipeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

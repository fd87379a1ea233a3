package io.quantpipe.quant;

/**
 * Root of quantpipe's unchecked exceptions. The message is one line a user can act on: what was
 * expected and what was found.
 */
public class QuantpipeException extends RuntimeException {
    public QuantpipeException(String message) {
        super(message);
    }

    public QuantpipeException(String message, Throwable cause) {
        super(message, cause);
    }
}

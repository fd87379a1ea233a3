package io.quantpipe.quant.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;

/**
 * The process-wide ONNX Runtime environment: logs at WARNING and has telemetry switched off.
 * ORT allows one environment per process, so every session in quantpipe is made from this one.
 */
final class Ort {
    private static volatile OrtEnvironment env;

    private Ort() {
    }

    static OrtEnvironment environment() {
        OrtEnvironment e = env;
        if (e == null) {
            synchronized (Ort.class) {
                e = env;
                if (e == null) {
                    e = create();
                    env = e;
                }
            }
        }
        return e;
    }

    private static OrtEnvironment create() {
        OrtEnvironment e;
        try {
            e = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "quantpipe");
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError err) {
            throw new IllegalStateException("expected the ONNX Runtime native library to load on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ", found: " + oneLine(err), err);
        }
        try {
            // Only Windows builds send telemetry; switching it off elsewhere is harmless.
            e.setTelemetry(false);
        } catch (OrtException ex) {
            throw new IllegalStateException("could not switch off ONNX Runtime telemetry: " + oneLine(ex), ex);
        }
        return e;
    }

    /** A native message on one line, as quantpipe's error messages are. */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}

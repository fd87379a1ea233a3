package io.quantpipe.jobs.calibrate;

import io.quantpipe.jobs.data.ModelInput;
import io.quantpipe.jobs.DriverFiles;
import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.calibrate.ActivationObserver;
import io.quantpipe.quant.calibrate.CalibrationSession;
import io.quantpipe.quant.onnx.QuantizationPlan;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorShapeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TypeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ValueInfoProto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The FP32 model on the driver, read and checked once: its quantization plan (BatchNormalization
 * folded, the same on every machine), the single float input and its declared shape, and the
 * instrumented bytes the executors run. Every problem is a {@link BadInputException} before any
 * task starts.
 */
final class CalibrationModel {
    private static final int FLOAT = 1;

    private final String file;
    private final String sha256;
    private final ModelProto model;
    private final QuantizationPlan plan;
    private final String inputName;
    private final long[] inputDims; // -1: symbolic or unknown; null: no shape recorded

    private CalibrationModel(String file, String sha256, ModelProto model, QuantizationPlan plan, String inputName,
                             long[] inputDims) {
        this.file = file;
        this.sha256 = sha256;
        this.model = model;
        this.plan = plan;
        this.inputName = inputName;
        this.inputDims = inputDims;
    }

    /** Reads the model file (external data beside it included), plans it and checks its input. */
    static CalibrationModel load(Path file) {
        return load(file, file.toString());
    }

    /**
     * {@link #load(Path)} of a local copy; {@code source} names the model in messages and the
     * summary (the user's path or URI).
     */
    static CalibrationModel load(Path local, String source) {
        String file = source;
        String sha256 = sha256(local, source);
        ModelProto model = DriverFiles.read(local, source);
        QuantizationPlan plan;
        try {
            plan = CalibrationSession.plan(model);
        } catch (BadInputException e) {
            throw new BadInputException("model " + file + ": " + e.getMessage(), e);
        }
        String input = CalibrationSession.inputName(plan.model());
        ValueInfoProto info = plan.model().getGraph().getInputList().stream()
                .filter(v -> v.getName().equals(input)).findFirst().orElseThrow();
        TypeProto type = info.getType();
        if (type.hasTensorType() && type.getTensorType().hasElemType() && type.getTensorType().getElemType() != FLOAT) {
            throw new BadInputException("model " + file + ": expected a float input (elem_type 1), found input '"
                    + input + "' of elem_type " + type.getTensorType().getElemType());
        }
        long[] dims = null;
        if (type.hasTensorType() && type.getTensorType().hasShape()) {
            List<TensorShapeProto.Dimension> ds = type.getTensorType().getShape().getDimList();
            dims = new long[ds.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = ds.get(i).hasDimValue() && ds.get(i).getDimValue() > 0 ? ds.get(i).getDimValue() : -1;
            }
            if (dims.length == 0) {
                throw new BadInputException("model " + file + ": expected input '" + input
                        + "' to have a batch dimension, found a scalar");
            }
            if (dims[0] > 1) {
                throw new BadInputException("model " + file + ": expected input '" + input
                        + "' to have a dynamic (or 1) batch dimension, found shape " + shape(dims));
            }
        }
        return new CalibrationModel(file, sha256, model, plan, input, dims);
    }

    /** The input as it meets a dataset: expected elements per row, reshaping, batch size. */
    ModelInput input() {
        return new ModelInput(inputName, inputDims, "model " + file);
    }

    /** The planned model with every calibrated tensor added to the graph outputs. */
    byte[] instrumentedBytes() {
        return ActivationObserver.instrument(plan.model(), plan.observedTensors());
    }

    /** The model as given (external data loaded), for the plain-inference baseline. */
    byte[] plainBytes() {
        return model.toByteArray();
    }

    String file() {
        return file;
    }

    String sha256() {
        return sha256;
    }

    QuantizationPlan plan() {
        return plan;
    }

    List<String> tensors() {
        return plan.observedTensors();
    }

    String inputName() {
        return inputName;
    }

    /** The declared input shape (-1 = symbolic), or null when the model records none. */
    long[] inputDims() {
        return inputDims == null ? null : inputDims.clone();
    }

    private static String shape(long[] dims) {
        return Arrays.toString(dims);
    }

    private static String sha256(Path local, String file) {
        if (Files.isDirectory(local)) {
            throw new BadInputException("expected an ONNX model file, found a directory: " + file);
        }
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(local), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            throw new BadInputException("expected an ONNX model file at " + file + ", found no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": expected a readable ONNX model file, found: " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}

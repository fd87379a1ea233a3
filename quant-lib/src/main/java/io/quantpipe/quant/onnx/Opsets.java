package io.quantpipe.quant.onnx;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import java.util.OptionalLong;

/**
 * Operator-set versions a model imports. The default ONNX domain is spelled {@code ""} or
 * {@code "ai.onnx"} (ONNX IR spec, "Operator Sets"); both spellings mean the same operator set.
 */
public final class Opsets {
    /** Oldest default-domain opset quantpipe accepts: the first with per-axis QuantizeLinear / DequantizeLinear. */
    public static final long MIN_DEFAULT_OPSET = 13;

    private Opsets() {
    }

    public static boolean isDefaultDomain(String domain) {
        return domain.isEmpty() || domain.equals("ai.onnx");
    }

    /**
     * The model's default-domain opset version, empty when it imports none.
     *
     * @throws BadInputException when the model imports the default domain twice with different versions
     */
    public static OptionalLong defaultDomainVersion(ModelProto model) {
        OptionalLong found = OptionalLong.empty();
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            if (!isDefaultDomain(opset.getDomain())) {
                continue;
            }
            if (found.isPresent() && found.getAsLong() != opset.getVersion()) {
                throw new BadInputException("expected one opset version for the default ONNX domain, found "
                        + found.getAsLong() + " and " + opset.getVersion());
            }
            found = OptionalLong.of(opset.getVersion());
        }
        return found;
    }

    /**
     * Checks that the model imports the default ONNX domain at version {@link #MIN_DEFAULT_OPSET} or
     * later. Kept apart from parsing: tools that only copy or inspect models accept any opset.
     */
    public static void requireSupported(ModelProto model) {
        OptionalLong version = defaultDomainVersion(model);
        if (version.isEmpty()) {
            throw new BadInputException("expected an opset_import for the default ONNX domain (version >= "
                    + MIN_DEFAULT_OPSET + "), found none");
        }
        if (version.getAsLong() < MIN_DEFAULT_OPSET) {
            throw new BadInputException("expected default ONNX domain opset >= " + MIN_DEFAULT_OPSET + ", found "
                    + version.getAsLong() + " (convert the model with onnx.version_converter or re-export it)");
        }
    }
}

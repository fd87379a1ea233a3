package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.OperatorSetIdProto;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OpsetsTest {
    @Test
    void acceptsOpset13AndLater() {
        Opsets.requireSupported(withOpsets("", 13));
        Opsets.requireSupported(withOpsets("", 21));
    }

    @Test
    void readsBothSpellingsOfTheDefaultDomain() {
        assertEquals(OptionalLong.of(17), Opsets.defaultDomainVersion(withOpsets("com.microsoft", 1, "ai.onnx", 17)));
        Opsets.requireSupported(withOpsets("ai.onnx", 13));
    }

    @Test
    void rejectsAnOlderOpset() {
        // pytorch-converted/test_Conv2d imports opset 6.
        ModelProto conv = ModelFile.read(ConformanceModels.model("pytorch-converted", "test_Conv2d"));

        BadInputException e = assertThrows(BadInputException.class, () -> Opsets.requireSupported(conv));

        assertEquals("expected default ONNX domain opset >= 13, found 6 (convert the model with onnx.version_converter or re-export it)",
                e.getMessage());
    }

    @Test
    void acceptsARealOpset17Model() {
        Opsets.requireSupported(ModelFile.read(ConformanceModels.model("node", "test_sequence_map_identity_1_sequence_expanded")));
    }

    @Test
    void rejectsAModelWithoutTheDefaultDomain() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> Opsets.requireSupported(withOpsets("ai.onnx.ml", 3)));

        assertEquals("expected an opset_import for the default ONNX domain (version >= 13), found none", e.getMessage());
    }

    @Test
    void rejectsConflictingVersionsOfTheDefaultDomain() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> Opsets.defaultDomainVersion(withOpsets("", 13, "ai.onnx", 17)));

        assertEquals("expected one opset version for the default ONNX domain, found 13 and 17", e.getMessage());
    }

    /** A model importing the given (domain, version) pairs. */
    private static ModelProto withOpsets(Object... domainsAndVersions) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8);
        for (int i = 0; i < domainsAndVersions.length; i += 2) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder()
                    .setDomain((String) domainsAndVersions[i]).setVersion((Integer) domainsAndVersions[i + 1]));
        }
        return m.build();
    }
}

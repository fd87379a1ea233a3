package io.quantpipe.quant.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quantpipe.quant.BadInputException;
import io.quantpipe.quant.onnx.GraphIndex.Use;
import io.quantpipe.quant.onnx.proto.OnnxIr.GraphProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.ModelProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.NodeProto;
import io.quantpipe.quant.onnx.proto.OnnxIr.TensorProto;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class GraphIndexTest {
    /**
     * pytorch-operator/test_operator_params: inputs 0 and 1 (1 is also an initializer, IR 3 style),
     * 2 = Add(0, 1), 3 = Mul(0, 2), 4 = Tanh(3), 5 = Sigmoid(4), 6 = Neg(5); opset 6.
     */
    private final ModelProto params = ModelFile.read(ConformanceModels.model("pytorch-operator", "test_operator_params"));

    @Test
    void findsTheProducerOfATensor() {
        GraphIndex index = GraphIndex.of(params);

        Use add = index.producer("2").orElseThrow();

        assertEquals(0, add.nodeIndex());
        assertEquals("Add", add.node().getOpType());
        assertEquals(0, add.slot());
        assertEquals("Mul", index.producer("3").orElseThrow().node().getOpType());
        assertEquals(4, index.producer("6").orElseThrow().nodeIndex());
    }

    @Test
    void hasNoProducerForGraphInputsInitializersAndUnknownNames() {
        GraphIndex index = GraphIndex.of(params);

        assertTrue(index.producer("0").isEmpty());
        assertTrue(index.producer("1").isEmpty());
        assertTrue(index.producer("nothing").isEmpty());
    }

    @Test
    void listsConsumersWithTheirInputSlotsInGraphOrder() {
        GraphIndex index = GraphIndex.of(params);

        assertEquals(List.of("Add@0:0", "Mul@1:0"), describe(index.consumers("0")));
        assertEquals(List.of("Add@0:1"), describe(index.consumers("1")));
        assertEquals(List.of("Mul@1:1"), describe(index.consumers("2")));
        assertEquals(List.of(), index.consumers("6"));
        assertEquals(List.of(), index.consumers("nothing"));
    }

    @Test
    void findsInitializersInputsOutputsAndOpset() {
        GraphIndex index = GraphIndex.of(params);

        TensorProto one = index.initializer("1").orElseThrow();
        assertEquals(List.of(2L, 2L), one.getDimsList());
        assertTrue(index.input("0").isPresent());
        assertTrue(index.input("1").isPresent());
        assertTrue(index.output("6").isPresent());
        assertFalse(index.output("5").isPresent());
        assertTrue(index.initializer("0").isEmpty());
        assertEquals(OptionalLong.of(6), index.defaultOpset());
    }

    @Test
    void findsValueInfoOfIntermediateTensors() {
        // The model declares no value_info; add one to an edited copy.
        ModelProto edited = params.toBuilder().setGraph(params.getGraph().toBuilder()
                .addValueInfo(params.getGraph().getOutput(0).toBuilder().setName("4"))).build();

        GraphIndex index = GraphIndex.of(edited);

        assertEquals("4", index.valueInfo("4").orElseThrow().getName());
        assertTrue(index.valueInfo("6").isEmpty());
    }

    @Test
    void countsANodeReadingATensorTwiceTwice() {
        GraphProto graph = GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setOpType("Mul").addInput("x").addInput("x").addOutput("y"))
                .addNode(NodeProto.newBuilder().setOpType("Clip").addInput("y").addInput("").addInput("hi").addOutput("z"))
                .build();

        GraphIndex index = GraphIndex.of(graph, OptionalLong.of(13));

        assertEquals(List.of("Mul@0:0", "Mul@0:1"), describe(index.consumers("x")));
        assertEquals(List.of("Clip@1:2"), describe(index.consumers("hi")));
        assertEquals(List.of(), index.consumers(""));
    }

    @Test
    void seesTensorsReadFromInsideSubgraphs() {
        // Range expanded into a Loop (node 8) whose body adds the outer tensor 'delta' (read directly by Cast, node 2).
        ModelProto range = ModelFile.read(ConformanceModels.model("node", "test_range_float_type_positive_delta_expanded"));

        GraphIndex index = GraphIndex.of(range);

        assertEquals(List.of("Cast@2:0", "Loop@8:-1"), describe(index.consumers("delta")));
        assertEquals(List.of("Sub@0:1", "Loop@8:2"), describe(index.consumers("start")));
        Use loop = index.producer("output").orElseThrow();
        assertEquals("Loop", loop.node().getOpType());
        assertEquals(1, loop.slot());
        assertEquals(OptionalLong.of(11), index.defaultOpset());
    }

    @Test
    void rejectsATensorProducedTwice() {
        GraphProto graph = GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))
                .addNode(NodeProto.newBuilder().setOpType("Neg").addInput("x").addOutput("y"))
                .build();

        BadInputException e = assertThrows(BadInputException.class, () -> GraphIndex.of(graph, OptionalLong.empty()));

        assertEquals("expected each tensor produced once, found 'y' produced by nodes 0 and 1", e.getMessage());
    }

    @Test
    void rejectsDuplicateInitializers() {
        GraphProto graph = GraphProto.newBuilder()
                .addInitializer(Tensors.ofFloats("w", new float[] {1f}, 1))
                .addInitializer(Tensors.ofFloats("w", new float[] {2f}, 1))
                .build();

        BadInputException e = assertThrows(BadInputException.class, () -> GraphIndex.of(graph, OptionalLong.empty()));

        assertEquals("expected unique initializer names, found 'w' twice", e.getMessage());
    }

    private static List<String> describe(List<Use> uses) {
        return uses.stream().map(u -> u.node().getOpType() + "@" + u.nodeIndex() + ":" + u.slot()).toList();
    }
}

package io.quantpipe.quant.runtime;

import io.quantpipe.quant.ConfigException;
import java.nio.file.Path;

/**
 * How a {@link ModelRunner} sets up its ONNX Runtime session. A value: two equal options on the same
 * model bytes share one session in {@link SessionCache}.
 *
 * @param intraOpThreads     threads one operator may use; 1 (the default) suits one session per
 *                           Spark task, 0 lets ONNX Runtime use every core
 * @param optimization       graph optimization level; default {@link GraphOptimization#ALL}, ORT's own
 * @param provider           execution provider; default {@link ExecutionProvider#CPU}
 * @param cudaDevice         GPU ordinal when {@code provider} is CUDA
 * @param optimizedModelPath if not null, ORT writes the graph it optimized to this file when the
 *                           session is created (to check, say, that QDQ pairs became QLinearConv)
 */
public record RunnerOptions(int intraOpThreads, GraphOptimization optimization, ExecutionProvider provider,
                            int cudaDevice, Path optimizedModelPath) {

    public RunnerOptions {
        if (intraOpThreads < 0) {
            throw new ConfigException("intra-op threads: expected 0 (ORT's choice) or more, found " + intraOpThreads);
        }
        if (cudaDevice < 0) {
            throw new ConfigException("CUDA device: expected an ordinal >= 0, found " + cudaDevice);
        }
        if (optimization == null || provider == null) {
            throw new ConfigException("runner options: expected an optimization level and a provider, found null");
        }
    }

    /** One intra-op thread, all graph optimizations, CPU, nothing saved. */
    public static RunnerOptions defaults() {
        return new RunnerOptions(1, GraphOptimization.ALL, ExecutionProvider.CPU, 0, null);
    }

    public RunnerOptions withIntraOpThreads(int threads) {
        return new RunnerOptions(threads, optimization, provider, cudaDevice, optimizedModelPath);
    }

    public RunnerOptions withOptimization(GraphOptimization level) {
        return new RunnerOptions(intraOpThreads, level, provider, cudaDevice, optimizedModelPath);
    }

    public RunnerOptions withProvider(ExecutionProvider p) {
        return new RunnerOptions(intraOpThreads, optimization, p, cudaDevice, optimizedModelPath);
    }

    public RunnerOptions withCudaDevice(int device) {
        return new RunnerOptions(intraOpThreads, optimization, provider, device, optimizedModelPath);
    }

    public RunnerOptions withOptimizedModelPath(Path path) {
        return new RunnerOptions(intraOpThreads, optimization, provider, cudaDevice, path);
    }
}

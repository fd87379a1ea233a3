package io.quantpipe.jobs;

import io.quantpipe.jobs.calibrate.CalibrateCommand;
import io.quantpipe.jobs.evaluate.EvaluateCommand;
import io.quantpipe.jobs.ingest.IngestCommand;
import io.quantpipe.jobs.quantize.QuantizeCommand;

import java.util.List;
import java.util.function.Supplier;

/** The subcommands of {@code quantpipe}, in the order {@code --help} lists them. */
final class Commands {
    static final List<Supplier<Job>> ALL = List.of(
            IngestCommand::new,
            CalibrateCommand::new,
            QuantizeCommand::new,
            EvaluateCommand::new
    );

    private Commands() {
    }
}

package io.quantpipe.jobs.spark;

import org.apache.spark.SparkContext;

/** A Spark job description set on this thread until closed; see {@link Sparks#describe}. */
public final class JobDescription implements AutoCloseable {
    private static final String KEY = "spark.job.description";

    private final SparkContext context;
    private final String previous;

    JobDescription(SparkContext context, String description) {
        this.context = context;
        this.previous = context.getLocalProperty(KEY);
        context.setJobDescription(description);
    }

    @Override
    public void close() {
        context.setLocalProperty(KEY, previous);
    }
}

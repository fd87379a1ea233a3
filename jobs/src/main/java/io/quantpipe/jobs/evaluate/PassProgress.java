package io.quantpipe.jobs.evaluate;

import org.apache.spark.Success$;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.storage.RDDInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's log of the evaluation pass: partitions done out of the total, rows scored and the
 * rate, at most every five seconds and at the end, plus task attempts that failed (Spark retries
 * them; a failed attempt's partial state never reaches the result). Listens only to the stages
 * that compute the pass's RDD.
 */
final class PassProgress extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(PassProgress.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final String name;
    private final int rddId;
    private final int partitions;
    private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
    private final long start = System.nanoTime();
    private long lastLog = start;
    private int done;
    private long rows;

    PassProgress(String name, int rddId, int partitions) {
        this.name = name;
        this.rddId = rddId;
        this.partitions = partitions;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        for (StageInfo stage : CollectionConverters.asJava(jobStart.stageInfos())) {
            for (RDDInfo rdd : CollectionConverters.asJava(stage.rddInfos())) {
                if (rdd.id() == rddId) {
                    stages.add(stage.stageId());
                }
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!stages.contains(taskEnd.stageId())) {
            return;
        }
        if (taskEnd.reason() != Success$.MODULE$) {
            LOG.warn("{}: task for partition {} failed (attempt {}): {}", name, taskEnd.taskInfo().index(),
                    taskEnd.taskInfo().attemptNumber(), firstLine(taskEnd.reason().toString()));
            return;
        }
        done++;
        TaskMetrics m = taskEnd.taskMetrics();
        if (m != null) {
            rows += m.inputMetrics().recordsRead() + m.shuffleReadMetrics().recordsRead();
        }
        long now = System.nanoTime();
        if (done == partitions || now - lastLog >= LOG_EVERY_NANOS) {
            lastLog = now;
            double seconds = (now - start) / 1e9;
            LOG.info("{}: {}/{} partitions done, {} rows, {}", name, done, partitions, rows,
                    String.format(Locale.ROOT, "%.0f rows/s", seconds > 0 ? rows / seconds : 0.0));
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

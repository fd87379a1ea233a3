package io.quantpipe.jobs.spark;

import org.apache.hadoop.fs.RawLocalFileSystem;

import java.net.URI;

/**
 * A Hadoop file system under its own scheme, {@code qptest:}, whose paths are the local disk's:
 * {@code qptest:///tmp/x} is {@code /tmp/x}. Code that reaches it must go through Hadoop's
 * FileSystem API, as it would for {@code hdfs:} or {@code s3a:}; a test then checks the result on
 * the local disk. Registered on the test session by {@link #register()}.
 */
public class RemoteFs extends RawLocalFileSystem {
    public static final String SCHEME = "qptest";

    /** Makes {@code qptest:} URIs resolve in the test session's Hadoop configuration. */
    public static void register() {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + SCHEME + ".impl", RemoteFs.class.getName());
    }

    /** The {@code qptest:} URI of a local absolute path. */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath().normalize();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}

package io.jvit.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a job: the one already running in this JVM (a test's, a notebook's), kept open afterwards, or a
 * new one, stopped at the end. The master is {@code --master}, else spark-submit's, else {@code local[*]}.
 */
final class SparkRun implements AutoCloseable {
    private final SparkSession session;
    private final boolean owned;

    private SparkRun(SparkSession session, boolean owned) {
        this.session = session;
        this.owned = owned;
    }

    static SparkRun start(String master, String appName) {
        var active = SparkSession.getActiveSession();
        if (active.isEmpty()) active = SparkSession.getDefaultSession();
        if (active.isDefined()) return new SparkRun(active.get(), false);
        SparkConf conf = new SparkConf().setAppName(appName); // reads spark-submit's spark.* properties
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        // embedded runs need no web UI (it costs start-up time and a port); a cluster's settings stay as given
        if (conf.get("spark.master").startsWith("local") && !conf.contains("spark.ui.enabled"))
            conf.set("spark.ui.enabled", "false");
        return new SparkRun(SparkSession.builder().config(conf).getOrCreate(), true);
    }

    SparkSession session() {
        return session;
    }

    JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    @Override
    public void close() {
        if (owned) session.stop();
    }
}

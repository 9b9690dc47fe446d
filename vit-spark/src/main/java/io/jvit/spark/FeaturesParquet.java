package io.jvit.spark;

import static org.apache.spark.sql.functions.col;

import io.jvit.core.Backbone;
import io.jvit.core.Features;
import io.jvit.core.image.ImagePages;
import io.jvit.core.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ./vit spark features --parquet}: the features of every page of every image as one Parquet table,
 * {@code OUT/features.parquet} (path, page (1-based), h, w, channels, features: h·w·C floats, row-major), written by
 * the executors through Spark's committer (the table appears whole or not at all). Files that fail go to errors.csv.
 */
final class FeaturesParquet {
    private FeaturesParquet() {}

    static final String TABLE = "features.parquet";

    static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("page", DataTypes.IntegerType, false)
            .add("h", DataTypes.IntegerType, false)
            .add("w", DataTypes.IntegerType, false)
            .add("channels", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error", DataTypes.StringType, true);

    /** Rows of a partition: one per page, or one error row per file that failed. */
    record Task(FeaturesJob.Work work, boolean failFast) implements FlatMapFunction<Iterator<ImageUnit>, Row> {
        @Override
        public Iterator<Row> call(Iterator<ImageUnit> units) throws Exception {
            List<Row> rows = new ArrayList<>();
            while (units.hasNext()) {
                ImageUnit u = units.next();
                List<Row> pages = new ArrayList<>();
                try (ModelCache.Lease<Backbone> lease = work.borrow()) {
                    for (ImagePages.Page p : ImagePages.list(u.file())) {
                        Features f = lease.model().features(ImagePages.read(p));
                        pages.add(
                                RowFactory.create(u.path(), p.index() + 1, f.h(), f.w(), f.channels(), f.data(), null));
                    }
                    rows.addAll(pages);
                } catch (Exception | OutOfMemoryError e) {
                    String m = PartitionTask.message(e);
                    if (failFast) throw new PartitionTask.FileFailedException(u.file(), m, e);
                    rows.add(RowFactory.create(u.path(), 0, 0, 0, 0, null, m));
                }
            }
            return rows.iterator();
        }
    }

    static void run(JobOptions o, List<ImageUnit> units, FeaturesJob.Work work) throws Exception {
        Path table = o.out.resolve(TABLE);
        if (Files.exists(table)) throw new BadInputException(table, "exists: remove it or give another --out");
        if (o.resume) throw new IllegalArgumentException("--resume works on the .npy outputs, not on --parquet");
        Files.createDirectories(o.out);
        long t0 = System.nanoTime();
        List<Row> errors;
        long pages;
        try (SparkRun spark = SparkRun.start(o.master, "jvit features")) {
            int slices = (units.size() + o.perPartition - 1) / o.perPartition;
            Dataset<Row> all = spark.session()
                    .createDataFrame(
                            spark.context().parallelize(units, slices).mapPartitions(new Task(work, o.failFast)),
                            SCHEMA)
                    .persist(StorageLevel.MEMORY_AND_DISK()); // computed once, for the table and the errors
            try {
                Dataset<Row> ok = all.filter(col("error").isNull()).drop("error");
                ok.write().mode(SaveMode.ErrorIfExists).parquet(table.toString());
                pages = ok.count();
                errors = all.filter(col("error").isNotNull())
                        .select("path", "error")
                        .collectAsList();
            } finally {
                all.unpersist();
            }
        } catch (Exception e) {
            throw ImageJob.failedFile(e, units).map(Exception.class::cast).orElse(e);
        }
        List<List<String>> rows = new ArrayList<>();
        errors.stream()
                .sorted(Comparator.comparing((Row r) -> r.getString(0)))
                .forEach(r -> rows.add(List.of(r.getString(0), r.getString(1))));
        Csv.write(o.out.resolve("errors.csv"), List.of("path", "message"), rows);
        System.err.printf(
                Locale.ROOT,
                "featurised %d pages (%d errors) in %.1f s → %s%n",
                pages,
                errors.size(),
                (System.nanoTime() - t0) / 1e9,
                table);
    }
}

package io.jvit.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar under spark-submit in local mode: a child JVM runs {@code org.apache.spark.deploy.SparkSubmit} (what
 * the {@code spark-submit} script runs) with only Spark's jars on its class path, as a Spark installation has them,
 * and the jar must bring everything else. Run by {@code mvn -Pshaded verify -pl vit-spark -am} (failsafe), after the
 * jar is built.
 */
class SparkSubmitIT {
    @TempDir
    static Path dir;

    @Test
    void theShadedJarSegmentsAFolderUnderSparkSubmit() throws Exception {
        Path jar = Path.of(System.getProperty("jvit.spark.jar"));
        assertThat(jar).as("built by mvn -Pshaded package").exists();
        Fixtures fx = Fixtures.make(dir);
        Path ref = dir.resolve("ref"), out = dir.resolve("out");
        Path first;
        try (Stream<Path> s = Files.list(fx.clean())) {
            first = s.sorted().findFirst().orElseThrow();
        }
        fx.referenceSegmentation(first, fx.clean(), ref);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.addAll(Arrays.asList(System.getProperty("jvit.spark.opens").trim().split("\\s+")));
        cmd.add("-cp");
        cmd.add(sparkClassPath());
        cmd.addAll(List.of(
                "org.apache.spark.deploy.SparkSubmit",
                "--master",
                "local[2]",
                "--conf",
                "spark.ui.enabled=false",
                "--class",
                "io.jvit.spark.SparkMain",
                jar.toString(),
                "segment",
                "--load-model",
                fx.segmenter().toString(),
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString()));
        Path log = dir.resolve("submit.log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("spark-submit finished").isTrue();
        String output = Files.readString(log);
        assertThat(p.exitValue()).as(output).isZero();

        try (Stream<Path> s = Files.list(fx.clean())) {
            for (Path img : s.toList()) {
                String name = img.getFileName().toString().replace(".png", "_segmented.png");
                assertThat(Files.readAllBytes(out.resolve(name)))
                        .as(name)
                        .isEqualTo(Files.readAllBytes(ref.resolve(name)));
            }
        }
        assertThat(Files.readAllLines(out.resolve("errors.csv")))
                .hasSize(2)
                .last()
                .asString()
                .startsWith(fx.mixed().resolve("zz_corrupt.png") + ",");
    }

    /**
     * Spark's jars (the provided scope: Spark, Scala, Hadoop's client) and Jackson, which a Spark installation holds
     * but which this module also uses at compile scope, so Maven's provided list leaves it out.
     */
    static String sparkClassPath() throws Exception {
        List<String> cp = new ArrayList<>(
                Arrays.asList(System.getProperty("jvit.spark.classpath").split(File.pathSeparator)));
        try (Stream<Path> lib = Files.list(Path.of(System.getProperty("jvit.spark.lib")))) {
            lib.filter(f -> f.getFileName().toString().startsWith("jackson-")).forEach(f -> cp.add(f.toString()));
        }
        assertThat(cp).noneMatch(j -> j.contains("io/jvit") || j.contains("vit-core") || j.contains("xgboost"));
        return String.join(File.pathSeparator, cp);
    }
}

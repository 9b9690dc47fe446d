package io.jvit.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each job in local mode against the {@code ./vit} command it mirrors, on the same images: label files identical,
 * features to 1e-6, R² to 1e-9; the corrupt file of {@code mixed/} is listed in errors.csv while the job succeeds.
 * One SparkSession (local[2]) serves every job of the class.
 */
class SparkJobsTest {
    @TempDir
    static Path dir;

    static Fixtures fx;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        fx = Fixtures.make(dir);
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("vit-spark tests")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) spark.stop();
    }

    static List<Path> cleanImages() throws Exception {
        try (Stream<Path> s = Files.list(fx.clean())) {
            return s.sorted().toList();
        }
    }

    static Fixtures.Run segment(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "segment",
                "--load-model",
                fx.segmenter().toString(),
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString(),
                "--per-partition",
                "1"));
        a.addAll(List.of(more));
        return Fixtures.spark(a.toArray(String[]::new));
    }

    /** {@code ./vit features} of {@code images} (a file or folder) into {@code out}: the single-machine reference. */
    private void referenceFeatures(Path images, Path out) {
        assertThat(Fixtures.cli(
                        "features",
                        "--weights",
                        fx.weights().toString(),
                        "--image",
                        images.toString(),
                        "--out",
                        out.toString()))
                .isZero();
    }

    @Test
    void segmentWritesWhatApplyToWritesAndListsTheCorruptImage() throws Exception {
        Path ref = dir.resolve("segment-ref"), out = dir.resolve("segment-spark");
        Path first = cleanImages().get(0);
        fx.referenceSegmentation(first, fx.clean(), ref);

        Fixtures.Run run = segment(out);

        assertThat(run.code()).isZero();
        for (Path img : cleanImages()) {
            String name = img.getFileName().toString().replace(".png", "_segmented.png");
            assertThat(Files.readAllBytes(out.resolve(name))).as(name).isEqualTo(Files.readAllBytes(ref.resolve(name)));
        }
        List<String> errors = Files.readAllLines(out.resolve("errors.csv"));
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).isEqualTo("path,message");
        assertThat(errors.get(1)).startsWith(fx.mixed().resolve("zz_corrupt.png") + ",");
        assertThat(out.resolve("zz_corrupt_segmented.png")).doesNotExist();

        List<String> fractions = Files.readAllLines(out.resolve("fractions.csv"));
        assertThat(fractions.get(0)).isEqualTo("path,fraction_1,fraction_2");
        assertThat(fractions).hasSize(1 + cleanImages().size());
        for (String row : fractions.subList(1, fractions.size())) {
            String[] f = row.split(",");
            assertThat(Double.parseDouble(f[1]) + Double.parseDouble(f[2])).isCloseTo(1.0, within(2e-6));
        }
        // the model was loaded once per task slot (local[2]: at most 2), not once per image or task
        String key = new SegmentJob.Work(
                        fx.segmenter().toAbsolutePath().toString(),
                        fx.weights().toAbsolutePath().toString(),
                        null,
                        false, // no CRF: the job's default, as ./vit segment's
                        1,
                        null,
                        null)
                .key();
        assertThat(ModelCache.loads(key)).isBetween(1, 2);
    }

    @Test
    void resumeAfterAKilledRunGivesTheCleanRunsFiles() throws Exception {
        Path clean = dir.resolve("resume-clean"), resumed = dir.resolve("resume-resumed");
        assertThat(segment(clean).code()).isZero();
        // a run killed halfway: some label files written, the others missing, a half-written temporary file left
        Files.createDirectories(resumed);
        List<Path> images = cleanImages();
        for (int i = 0; i < images.size(); i++) {
            String name = images.get(i).getFileName().toString().replace(".png", "_segmented.png");
            if (i % 2 == 0) Files.copy(clean.resolve(name), resumed.resolve(name));
        }
        Files.write(resumed.resolve(".x_segmented.png123.tmp"), new byte[] {1, 2});
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        String kept = images.get(0).getFileName().toString().replace(".png", "_segmented.png");
        Files.setLastModifiedTime(resumed.resolve(kept), old);

        Fixtures.Run run = segment(resumed, "--resume");

        assertThat(run.code()).isZero();
        assertThat(run.err()).contains("(3 skipped by --resume, 1 errors)");
        assertThat(Files.getLastModifiedTime(resumed.resolve(kept))).isEqualTo(old); // not recomputed
        for (String f : List.of("fractions.csv", "errors.csv"))
            assertThat(Files.readString(resumed.resolve(f))).isEqualTo(Files.readString(clean.resolve(f)));
        for (Path img : images) {
            String name = img.getFileName().toString().replace(".png", "_segmented.png");
            assertThat(Files.readAllBytes(resumed.resolve(name)))
                    .as(name)
                    .isEqualTo(Files.readAllBytes(clean.resolve(name)));
        }
    }

    @Test
    void failFastStopsAtTheCorruptImage() {
        Fixtures.Run run = segment(dir.resolve("fail-fast"), "--fail-fast");

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("error: " + fx.mixed().resolve("zz_corrupt.png") + ": ");
    }

    @Test
    void aMissingModelFailsBeforeSparkWorks() {
        Path out = dir.resolve("no-model");
        Fixtures.Run run = Fixtures.spark(
                "segment",
                "--load-model",
                dir.resolve("nope.json").toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("error: " + dir.resolve("nope.json") + ": no such file");
        assertThat(out).doesNotExist(); // refused before the job made its folder

        Fixtures.Run features = Fixtures.spark(
                "features",
                "--weights",
                dir.resolve("nope.safetensors").toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString());
        assertThat(features.code()).isEqualTo(2);
        assertThat(features.err()).contains(dir.resolve("nope.safetensors") + ": no such file");
    }

    @Test
    void featuresEqualTheFeaturesCommand() throws Exception {
        Path ref = dir.resolve("features-ref"), out = dir.resolve("features-spark");
        referenceFeatures(fx.clean(), ref);

        Fixtures.Run run = Fixtures.spark(
                "features",
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString());

        assertThat(run.code()).isZero();
        for (Path img : cleanImages()) {
            String name = img.getFileName().toString().replace(".png", ".npy");
            float[] a = Fixtures.npy(ref.resolve(name)), b = Fixtures.npy(out.resolve(name));
            assertThat(b).hasSize(8 * 8 * 32).hasSameSizeAs(a);
            for (int i = 0; i < a.length; i++)
                assertThat(b[i]).as(name + " [" + i + "]").isCloseTo(a[i], within(1e-6f));
        }
        assertThat(Files.readAllLines(out.resolve("errors.csv")))
                .hasSize(2)
                .last()
                .asString()
                .startsWith(fx.mixed().resolve("zz_corrupt.png").toString());
    }

    @Test
    void probeEqualsTheProbeCommand() throws Exception {
        String[] options = {"--ramp", "lr+ud,lr,radial", "--repeats", "3", "--step", "2"};
        List<String> cli = new ArrayList<>(List.of(
                "probe",
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.clean().toString(),
                "--json"));
        cli.addAll(List.of(options));
        JsonNode ref = new ObjectMapper().readTree(Fixtures.cliOut(cli.toArray(String[]::new)));
        Path out = dir.resolve("probe-spark");
        List<String> job = new ArrayList<>(List.of(
                "probe",
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString(),
                "--per-partition",
                "2"));
        job.addAll(List.of(options));

        Fixtures.Run run = Fixtures.spark(job.toArray(String[]::new));

        assertThat(run.code()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("probe.csv"));
        assertThat(rows.get(0)).isEqualTo("ramp,r2_mean,r2_std,probes");
        assertThat(rows).hasSize(4);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            JsonNode r = ref.get("ramps").get(f[0]);
            assertThat(Double.parseDouble(f[1]))
                    .as(f[0])
                    .isCloseTo(r.get("r2_mean").asDouble(), within(1e-9));
            assertThat(Double.parseDouble(f[2]))
                    .as(f[0])
                    .isCloseTo(r.get("r2_std").asDouble(), within(1e-9));
            assertThat(Integer.parseInt(f[3]))
                    .isEqualTo(5 * 3)
                    .isEqualTo(r.get("r2_values").size());
        }
        // per image: the second image's three lr+ud values are the command's 4th to 6th
        Path second = cleanImages().get(1);
        List<String> lines = Files.readAllLines(
                out.resolve("probe").resolve(second.getFileName().toString().replace(".png", ".csv")));
        JsonNode values = ref.get("ramps").get("lr+ud").get("r2_values");
        for (int k = 0; k < 3; k++)
            assertThat(Double.parseDouble(lines.get(k).split(",")[2]))
                    .isCloseTo(values.get(3 + k).asDouble(), within(1e-9));
        assertThat(Files.readAllLines(out.resolve("errors.csv"))).hasSize(2);
    }

    @Test
    void aRetrofitOnSparkTargetsHasTheLossesOfOneThatRunsTheTeacher() throws Exception {
        Path targets = dir.resolve("targets");
        Fixtures.Run run = Fixtures.spark(
                "targets",
                "--teacher",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                targets.toString(),
                "--size",
                "32");
        assertThat(run.code()).isZero();
        assertThat(Files.readAllLines(targets.resolve("errors.csv"))).hasSize(2);
        assertThat(Fixtures.npy(targets.resolve(
                        cleanImages().get(0).getFileName().toString().replace(".png", ".npy"))))
                .hasSize(4 * 4 * 32);

        String[] retrofit = {
            "retrofit",
            "--teacher",
            fx.weights().toString(),
            "--images",
            fx.clean().toString(),
            "--size",
            "32",
            "--batch",
            "2",
            "--epochs",
            "2",
            "--threads",
            "1"
        };
        List<String> teacher = new ArrayList<>(List.of(retrofit)), ahead = new ArrayList<>(List.of(retrofit));
        teacher.addAll(List.of("--out", dir.resolve("retrofit-teacher").toString()));
        ahead.addAll(List.of("--out", dir.resolve("retrofit-targets").toString(), "--targets", targets.toString()));
        assertThat(Fixtures.cli(teacher.toArray(String[]::new))).isZero();
        assertThat(Fixtures.cli(ahead.toArray(String[]::new))).isZero();

        List<String> a = Files.readAllLines(dir.resolve("retrofit-teacher").resolve("metrics.csv"));
        List<String> b = Files.readAllLines(dir.resolve("retrofit-targets").resolve("metrics.csv"));
        assertThat(b).hasSize(3).hasSameSizeAs(a);
        for (int e = 1; e < a.size(); e++)
            for (int col : new int[] {1, 2}) { // train loss, validation loss
                double x = Double.parseDouble(a.get(e).split(",")[col]);
                double y = Double.parseDouble(b.get(e).split(",")[col]);
                assertThat(y).as("epoch %d column %d", e - 1, col).isCloseTo(x, within(1e-6 * Math.abs(x) + 1e-9));
            }
    }

    /** A folder with a 3-page TIFF stack (three of the clean images as slices) and a PNG. */
    static Path stacks() throws Exception {
        Path d = dir.resolve("stacks");
        if (Files.isDirectory(d)) return d;
        Files.createDirectories(d);
        List<Path> images = cleanImages();
        javax.imageio.ImageWriter w =
                javax.imageio.ImageIO.getImageWritersByFormatName("tiff").next();
        try (var out = javax.imageio.ImageIO.createImageOutputStream(
                d.resolve("stack.tif").toFile())) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            for (Path f : images.subList(0, 3))
                w.writeToSequence(new javax.imageio.IIOImage(javax.imageio.ImageIO.read(f.toFile()), null, null), null);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        Files.copy(images.get(3), d.resolve("single.png"));
        return d;
    }

    @Test
    void aStackIsSegmentedAndFeaturisedSliceBySliceAsTheCommandsDo() throws Exception {
        Path stacks = stacks(), ref = dir.resolve("stacks-ref"), out = dir.resolve("stacks-spark");
        fx.referenceSegmentation(stacks.resolve("single.png"), stacks, ref);
        referenceFeatures(stacks, ref.resolve("features"));
        String[] common = {"--images", stacks.toString(), "--out", out.toString()};

        List<String> seg = new ArrayList<>(List.of(
                "segment",
                "--load-model",
                fx.segmenter().toString(),
                "--weights",
                fx.weights().toString()));
        seg.addAll(List.of(common));
        assertThat(Fixtures.spark(seg.toArray(String[]::new)).code()).isZero();
        List<String> feat =
                new ArrayList<>(List.of("features", "--weights", fx.weights().toString()));
        feat.addAll(List.of(
                "--images", stacks.toString(), "--out", out.resolve("features").toString()));
        assertThat(Fixtures.spark(feat.toArray(String[]::new)).code()).isZero();

        for (String f : List.of("stack_segmented.tif", "single_segmented.png"))
            assertThat(Files.readAllBytes(out.resolve(f))).as(f).isEqualTo(Files.readAllBytes(ref.resolve(f)));
        List<String> fractions = Files.readAllLines(out.resolve("fractions.csv"));
        assertThat(fractions).hasSize(3);
        for (String f : List.of("single.npy", "stack_p001.npy", "stack_p002.npy", "stack_p003.npy")) {
            float[] a = Fixtures.npy(ref.resolve("features").resolve(f));
            float[] b = Fixtures.npy(out.resolve("features").resolve(f));
            assertThat(b).as(f).hasSize(8 * 8 * 32);
            for (int i = 0; i < a.length; i++)
                assertThat(b[i]).as(f + " [" + i + "]").isCloseTo(a[i], within(1e-6f));
        }
    }

    @Test
    void parquetFeaturesEqualTheFeaturesCommand() throws Exception {
        Path ref = dir.resolve("parquet-ref"), out = dir.resolve("parquet-spark");
        referenceFeatures(fx.clean(), ref);

        Fixtures.Run run = Fixtures.spark(
                "features",
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString(),
                "--parquet");

        assertThat(run.code()).isZero();
        List<org.apache.spark.sql.Row> rows =
                spark.read().parquet(out.resolve("features.parquet").toString()).collectAsList();
        assertThat(rows).hasSize(cleanImages().size());
        for (org.apache.spark.sql.Row r : rows) {
            Path img = Path.of(r.getString(r.fieldIndex("path")));
            float[] a = Fixtures.npy(ref.resolve(img.getFileName().toString().replace(".png", ".npy")));
            List<Float> b = r.getList(r.fieldIndex("features"));
            assertThat(r.getInt(r.fieldIndex("page"))).isEqualTo(1);
            assertThat(new int[] {
                        r.getInt(r.fieldIndex("h")), r.getInt(r.fieldIndex("w")), r.getInt(r.fieldIndex("channels"))
                    })
                    .containsExactly(8, 8, 32);
            assertThat(b).hasSize(a.length);
            for (int i = 0; i < a.length; i++)
                assertThat(b.get(i)).as(img + " [" + i + "]").isCloseTo(a[i], within(1e-6f));
        }
        assertThat(Files.readAllLines(out.resolve("errors.csv")))
                .hasSize(2)
                .last()
                .asString()
                .startsWith(fx.mixed().resolve("zz_corrupt.png") + ",");
    }

    @Test
    void pcaFeaturesAreEveryImageProjectedOnABasisFittedOnTheSample() throws Exception {
        Path ref = dir.resolve("pca-ref"), out = dir.resolve("pca-spark");
        referenceFeatures(fx.clean(), ref);

        Fixtures.Run run = Fixtures.spark(
                "features",
                "--weights",
                fx.weights().toString(),
                "--images",
                fx.mixed().toString(),
                "--out",
                out.toString(),
                "--pca",
                "3",
                "--pca-sample",
                "2");

        assertThat(run.code()).isZero();
        // the sample: 2 of the 6 files evenly spaced, the 1st and the 4th; the basis fitted on their tokens together
        List<Path> images = cleanImages();
        float[] a =
                Fixtures.npy(ref.resolve(images.get(0).getFileName().toString().replace(".png", ".npy")));
        float[] b =
                Fixtures.npy(ref.resolve(images.get(3).getFileName().toString().replace(".png", ".npy")));
        float[] sample = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, sample, a.length, b.length);
        io.jvit.probe.PcaBasis basis =
                io.jvit.probe.PcaBasis.fit(new io.jvit.probe.FeatureMap(sample, sample.length / 32, 1, 32), 3);
        for (Path img : images) {
            String name = img.getFileName().toString().replace(".png", ".npy");
            float[] want = basis.project(new io.jvit.probe.FeatureMap(Fixtures.npy(ref.resolve(name)), 8, 8, 32));
            float[] got = Fixtures.npy(out.resolve(name));
            assertThat(got).as(name).hasSize(8 * 8 * 3);
            for (int i = 0; i < got.length; i++)
                assertThat(got[i]).as(name + " [" + i + "]").isCloseTo(want[i], within(1e-4f));
        }
        assertThat(Files.readAllLines(out.resolve("errors.csv"))).hasSize(2);
    }
}

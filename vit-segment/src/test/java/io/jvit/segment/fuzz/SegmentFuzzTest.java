package io.jvit.segment.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.image.Image;
import io.jvit.core.io.BadInputException;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of label images and saved segmenters through {@link LabelImage#read} and {@link Segmenter#load}:
 * each returns or throws {@link BadInputException} naming the file, within a timeout and a bounded heap allocation
 * (the contract of vit-core's reader fuzz suite). Run by the {@code fuzz} surefire execution with a 512 MB heap.
 */
class SegmentFuzzTest {
    @TempDir
    static Path dir;

    static byte[] labels8, labels16, logistic, xgboost;
    static final int H = 40, W = 48;

    @BeforeAll
    static void seeds() throws Exception {
        Image im = Microstructure.GRF.generate(H, W, 3);
        int[] v = new int[H * W];
        Random r = new Random(2);
        for (int k = 0; k < 120; k++) {
            int i = r.nextInt(v.length);
            v[i] = im.pixels()[i] > 0.5f ? 200 : 60;
        }
        labels8 = png(v, BufferedImage.TYPE_BYTE_GRAY, "png");
        for (int i = 0; i < v.length; i++) v[i] *= 300;
        labels16 = png(v, BufferedImage.TYPE_USHORT_GRAY, "tiff");
        for (int i = 0; i < v.length; i++) v[i] /= 300;
        LabelImage lab = new LabelImage(v, H, W);
        logistic = saved(im, lab, PixelClassifier.Kind.LOGISTIC);
        xgboost = saved(im, lab, PixelClassifier.Kind.XGBOOST);
    }

    static byte[] png(int[] v, int type, String format) throws Exception {
        BufferedImage b = new BufferedImage(W, H, type);
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) b.getRaster().setSample(x, y, 0, v[y * W + x]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(b, format, out);
        return out.toByteArray();
    }

    static byte[] saved(Image im, LabelImage lab, PixelClassifier.Kind kind) throws Exception {
        Segmenter s =
                Segmenter.train(im, lab, new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, kind, 9, 1, 0), null);
        Path f = dir.resolve("seed-" + kind + ".json");
        s.save(f);
        return Files.readAllBytes(f);
    }

    interface Reader {
        void read(Path f) throws Exception;
    }

    static DynamicTest fuzz(String name, byte[] bytes, Reader reader) {
        return DynamicTest.dynamicTest(name, () -> {
            Path f = Files.write(dir.resolve(name), bytes);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long before = threads.getCurrentThreadAllocatedBytes();
                try {
                    reader.read(f);
                } catch (BadInputException e) {
                    assertThat(e.getMessage()).startsWith(f + ": ").doesNotContain("\n");
                    assertThat(e.problem()).isNotBlank().doesNotContain("NullPointerException");
                } catch (Throwable t) {
                    fail("reader threw " + t + " instead of BadInputException for " + f, t);
                }
                assertThat(threads.getCurrentThreadAllocatedBytes() - before)
                        .as("heap bytes allocated")
                        .isLessThan(96L * (1 << 20) + 24L * bytes.length);
            });
        });
    }

    static byte[] flip(byte[] b, Random r, int n, int from, int to) {
        byte[] c = b.clone();
        for (int i = 0; i < n; i++) c[from + r.nextInt(to - from)] ^= (byte) (1 << r.nextInt(8));
        return c;
    }

    static List<DynamicTest> generic(String kind, byte[] seed, int head, int n, Reader reader) {
        List<DynamicTest> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Random r = new Random(kind.hashCode() * 1000L + i);
            t.add(fuzz(kind + "-flip-" + i, flip(seed, r, 1 + r.nextInt(8), 0, seed.length), reader));
            t.add(fuzz(
                    kind + "-flip-head-" + i, flip(seed, r, 1 + r.nextInt(3), 0, Math.min(head, seed.length)), reader));
            t.add(fuzz(kind + "-truncate-" + i, java.util.Arrays.copyOf(seed, r.nextInt(seed.length)), reader));
        }
        return t;
    }

    @TestFactory
    Stream<DynamicTest> labelImages() {
        Reader read = LabelImage::read;
        List<DynamicTest> t = new ArrayList<>(generic("labels8.png", labels8, 64, 6, read));
        t.addAll(generic("labels16.tiff", labels16, 256, 6, read));
        return t.stream();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static byte[] edit(byte[] json, Consumer<ObjectNode> e) throws Exception {
        ObjectNode o = (ObjectNode) JSON.readTree(json);
        e.accept(o);
        return JSON.writeValueAsBytes(o);
    }

    @TestFactory
    Stream<DynamicTest> savedSegmenters() throws Exception {
        Reader load = f -> Segmenter.load(f, 1);
        List<DynamicTest> t = new ArrayList<>(generic("logistic.json", logistic, 400, 8, load));
        t.addAll(generic("xgboost.json", xgboost, 400, 3, load));
        String[] fields = {
            "format",
            "version",
            "features",
            "classifier",
            "pca_components",
            "feature_count",
            "seed",
            "class_values",
            "model"
        };
        Object[] hostile = {
            null,
            -1,
            0,
            2147483647L,
            Long.MAX_VALUE,
            1e308,
            "x",
            "",
            List.of(),
            List.of(1),
            List.of(5, 5),
            List.of(-3, 70000),
            "BOTH",
            "VIT",
            "AAAA",
            "!!!"
        };
        Random r = new Random(61);
        for (int i = 0; i < 36; i++) {
            String field = fields[i % fields.length];
            Object v = hostile[r.nextInt(hostile.length)];
            t.add(fuzz(
                    "segmenter-field-" + i + "-" + field,
                    edit(logistic, o -> o.set(field, JSON.valueToTree(v))),
                    load));
        }
        // a ViT segmenter whose PCA basis is hostile
        Object[] pcas = {
            List.of(),
            "x",
            java.util.Map.of(
                    "mean",
                    List.of(1, 2),
                    "std",
                    List.of(1),
                    "components",
                    List.of(List.of(1, 2)),
                    "min",
                    List.of(0),
                    "max",
                    List.of(1)),
            java.util.Map.of(
                    "mean",
                    List.of(1),
                    "std",
                    List.of(1),
                    "components",
                    List.of(List.of("NaN")),
                    "min",
                    List.of(0),
                    "max",
                    List.of(1))
        };
        for (int i = 0; i < pcas.length; i++) {
            Object p = pcas[i];
            t.add(fuzz(
                    "segmenter-pca-" + i,
                    edit(logistic, o -> {
                        o.put("features", "BOTH");
                        o.put("pca_components", 1);
                        o.set("pca", JSON.valueToTree(p));
                    }),
                    load));
        }
        t.add(fuzz(
                "segmenter-nested",
                ("{\"format\": \"jvit-segmenter\", \"x\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}")
                        .getBytes(StandardCharsets.US_ASCII),
                load));
        t.add(fuzz(
                "segmenter-model-of-other-classes",
                edit(logistic, o -> o.set("class_values", JSON.valueToTree(List.of(1, 2, 3)))),
                load));
        return t.stream();
    }
}

package io.jvit.examples;

import static io.jvit.examples.ExampleImages.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Pe;
import java.io.File;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The README's Java snippet, exactly as written, compiled (javax.tools, in process, against the test class path) and
 * run in a fresh JVM whose working directory holds the files it names: the ALiBi parity fixture as the paper's
 * checkpoint, a fixture image as the micrograph.
 */
class ReadmeSnippetTest {
    static final String BEGIN = "<!-- java-snippet:begin", END = "<!-- java-snippet:end -->";

    @Test
    void theReadmeSnippetCompilesRunsAndGivesTheFastEnginesFeatures(@TempDir Path dir) throws Exception {
        String snippet = snippet(readme());
        List<String> imports = new ArrayList<>(), body = new ArrayList<>();
        for (String line : snippet.split("\n")) (line.startsWith("import ") ? imports : body).add(line);
        String source = String.join("\n", imports) + "\n\npublic class ReadmeSnippet {\n"
                + "    public static void main(String[] args) throws Exception {\n" + String.join("\n", body)
                + "\n    }\n}\n";

        Path src = Files.createDirectories(dir.resolve("src")),
                classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(src.resolve("ReadmeSnippet.java"), source);
        compile(src.resolve("ReadmeSnippet.java"), classes);

        Path work = Files.createDirectories(dir.resolve("work"));
        Files.copy(fixture("alibi_timm_w128_reg4_d2.pth"), work.resolve("alibi_coco_dv2_vits14_reg4.pth"));
        Files.copy(fixture("rocket_224.png"), work.resolve("micrograph.png"));
        String stdout = run(classes, work);

        assertThat(stdout).contains("16 x 16 patches, 128 channels").contains("registers [1, 4, 128], blocks 2");
        Matcher r2 =
                Pattern.compile("positional-bias R2 (-?[0-9.]+) \\+- ([0-9.]+)").matcher(stdout);
        assertThat(r2.find()).as(stdout).isTrue();
        assertThat(Double.parseDouble(r2.group(1))).isBetween(-10.0, 1.0);

        // the features it wrote are the fast engine's, called directly
        VisionTransformer m = Checkpoints.load(fixture("alibi_timm_w128_reg4_d2.pth"), Pe.ALIBI)
                .model();
        Preprocessor.Pixels px = new Preprocessor(14, Preprocessor.ResizePolicy.NONE)
                .pixels(List.of(ImageLoader.read(fixture("rocket_224.png"))));
        float[] direct = new FastViT(m, 1)
                .run(px.data(), 1, px.height(), px.width(), false)
                .patchTokens();
        INDArray written = Npy.read(work.resolve("micrograph.npy"));
        assertThat(written.shape()).containsExactly(16, 16, 128);
        assertThat(written.data().asFloat()).containsExactly(direct);
        assertThat(Checkpoints.loadFloats(work.resolve("tiny.safetensors"), Pe.AS_TRAINED)
                        .config()
                        .embedDim())
                .isEqualTo(96);
    }

    /** README.md of the repository (this module's parent folder). */
    private static String readme() throws Exception {
        Path here = Path.of("").toAbsolutePath();
        for (Path d = here; d != null; d = d.getParent())
            if (Files.exists(d.resolve("README.md"))
                    && Files.readString(d.resolve("README.md")).contains(BEGIN))
                return Files.readString(d.resolve("README.md"));
        throw new IllegalStateException("no README.md with a java-snippet marker above " + here);
    }

    /** The one ```java block between the markers. */
    static String snippet(String readme) {
        int b = readme.indexOf(BEGIN), e = readme.indexOf(END);
        assertThat(b).as("begin marker").isNotNegative();
        assertThat(e).as("end marker after begin").isGreaterThan(b);
        String section = readme.substring(b, e);
        Matcher m = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL).matcher(section);
        assertThat(m.find()).as("a ```java block between the markers").isTrue();
        String code = m.group(1);
        assertThat(m.find()).as("only one java block between the markers").isFalse();
        return code;
    }

    private static void compile(Path source, Path classes) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (var files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            StringWriter log = new StringWriter();
            boolean ok = javac.getTask(
                            log,
                            files,
                            diagnostics,
                            List.of(
                                    "-classpath",
                                    System.getProperty("java.class.path"),
                                    "-d",
                                    classes.toString(),
                                    "-proc:none",
                                    "-Xlint:none"),
                            null,
                            files.getJavaFileObjects(source.toFile()))
                    .call();
            assertThat(ok)
                    .as("the README snippet compiles:\n" + diagnostics.getDiagnostics() + log)
                    .isTrue();
        }
    }

    /** Runs the snippet in a new JVM (working directory {@code work}); returns its output. */
    private static String run(Path classes, Path work) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "--add-modules",
                        "jdk.incubator.vector",
                        "-Xmx1g",
                        "-cp",
                        classes + File.pathSeparator + System.getProperty("java.class.path"),
                        "ReadmeSnippet")
                .directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the snippet finishes").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; output:\n" + text).isZero();
        return text;
    }
}

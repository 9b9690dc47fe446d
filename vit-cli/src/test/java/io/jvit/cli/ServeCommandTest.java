package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import io.jvit.serve.SegmentServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** ./vit serve: the embedded sources, and the API's labels equal ./vit segment's for the same image and scribbles. */
class ServeCommandTest {
    @TempDir
    Path dir;

    static ServeCommand parse(String... args) {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    /** A GRF micrograph and 400 random scribbles of its two phases (60, 200), as PNGs. */
    Path[] data(int h, int w) throws Exception {
        Image im = Microstructure.GRF.generate(h, w, 9);
        int[] px = new int[h * w], lab = new int[h * w];
        Random r = new Random(1);
        for (int i = 0; i < px.length; i++) px[i] = Math.round(im.pixels()[i] * 255);
        for (int k = 0; k < 400; k++) {
            int i = r.nextInt(px.length);
            lab[i] = im.pixels()[i] > 0.5f ? 200 : 60;
        }
        Path img = dir.resolve("img.png"), l = dir.resolve("labels.png");
        SegmentCommandTest.grey(img, px, h, w);
        SegmentCommandTest.grey(l, lab, h, w);
        return new Path[] {img, l};
    }

    @Test
    void labelsFromTheApiEqualTheSegmentCommandsWithTheEmbeddedStudent() throws Exception {
        Path[] d = data(70, 84);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (SegmentServer server = parse("--port", "0", "--threads", "1", "--images", dir.toString())
                .start(new PrintStream(printed, true))) {
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .isEqualTo("listening on http://127.0.0.1:" + server.port() + "/" + System.lineSeparator());
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            JsonNode info = json.readTree(http.send(
                            HttpRequest.newBuilder(URI.create(base + "/api/info"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            assertThat(info.get("sources").toString()).isEqualTo("[\"teacher\",\"student\"]");
            assertThat(info.get("max_upload").asLong()).isEqualTo(256L << 20);
            String id = json.readTree(http.send(
                                    HttpRequest.newBuilder(URI.create(base + "/api/images"))
                                            .header("Content-Type", "image/png")
                                            .POST(HttpRequest.BodyPublishers.ofFile(d[0]))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body())
                    .get("id")
                    .asText();
            String img = base + "/api/images/" + id;
            assertThat(http.send(
                                    HttpRequest.newBuilder(URI.create(img + "/labels"))
                                            .header("Content-Type", "image/png")
                                            .PUT(HttpRequest.BodyPublishers.ofFile(d[1]))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .isEqualTo(204);
            HttpResponse<String> seg = http.send(
                    HttpRequest.newBuilder(URI.create(img + "/segment"))
                            .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"features\":\"both\",\"source\":\"student\",\"classifier\":\"xgboost\",\"seed\":0}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(seg.statusCode()).as(seg.body()).isEqualTo(200);
            assertThat(json.readTree(seg.body()).get("feature_count").asInt()).isEqualTo(58 + 9);
            Path api = dir.resolve("api.png");
            http.send(
                    HttpRequest.newBuilder(URI.create(img + "/segmentation.png"))
                            .build(),
                    HttpResponse.BodyHandlers.ofFile(api));

            Path cli = dir.resolve("cli.png");
            int code = Vit.run(
                    "segment",
                    "-i",
                    d[0].toString(),
                    "-l",
                    d[1].toString(),
                    "-o",
                    cli.toString(),
                    "--features",
                    "both",
                    "--weights",
                    EmbeddedModels.extract(EmbeddedModels.STUDENT).toString(),
                    "--classifier",
                    "xgboost",
                    "--threads",
                    "1");
            assertThat(code).isZero();
            int[] fromApi = LabelImage.of(ImageLoader.read(api), "api").values(),
                    fromCli = LabelImage.of(ImageLoader.read(cli), "cli").values();
            assertThat(fromApi).isEqualTo(fromCli);
            assertThat(fromApi).contains(60, 200);
        }
    }

    @Test
    void refusesBadOptionsBeforeStarting() {
        assertThat(Vit.run("serve", "--max-upload", "lots")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(Vit.run("serve", "--images", dir.resolve("missing").toString()))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(Vit.run("serve", "--port", "70000")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(Vit.run("serve", "--pe", "alibi")).isEqualTo(ExitCodes.BAD_INPUT);
    }
}

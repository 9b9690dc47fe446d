package io.jvit.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Segmenter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API against a server on an ephemeral port: every route, every refusal, concurrency, the upload limit. */
class SegmentServerTest {
    static final int H = 48, W = 64, DARK = 60, BRIGHT = 200;
    static final ObjectMapper JSON = new ObjectMapper();
    static final long LIMIT = 200_000;

    @TempDir
    Path dir;

    SegmentServer server;
    HttpClient http = HttpClient.newHttpClient();
    String base;

    @BeforeEach
    void start() throws Exception {
        Files.write(dir.resolve("a.png"), png(image(0)));
        Files.write(dir.resolve("b.png"), png(image(1)));
        server = SegmentServer.start(new ServeConfig(Map.of(), dir, LIMIT, 64L << 20, 1), "127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A bright disc on a dark background with a little texture (8-bit grey); {@code shift} moves the disc. */
    static BufferedImage image(int shift) {
        BufferedImage im = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        var rnd = new java.util.Random(7 + shift);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double d = Math.hypot(x - 30 - 4 * shift, y - 24);
                im.getRaster().setSample(x, y, 0, (d < 14 ? 190 : 60) + rnd.nextInt(20));
            }
        return im;
    }

    /** Two strokes: a dark one at the left edge, a bright one through the disc's centre. */
    static int[] scribbles() {
        int[] v = new int[H * W];
        for (int y = 10; y < 38; y++) {
            v[y * W + 3] = DARK;
            v[y * W + 4] = DARK;
        }
        for (int x = 24; x < 37; x++) v[24 * W + x] = BRIGHT;
        return v;
    }

    static byte[] png(BufferedImage im) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        return out.toByteArray();
    }

    static byte[] labelsPng(int[] v, int h, int w) {
        return Pngs.labels(v, h, w);
    }

    HttpResponse<byte[]> call(String method, String path, String type, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) b.header("Content-Type", type);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    String upload(BufferedImage im) throws Exception {
        HttpResponse<byte[]> r = call("POST", "/api/images", "image/png", png(im));
        assertThat(r.statusCode())
                .as(new String(r.body(), StandardCharsets.UTF_8))
                .isEqualTo(201);
        return json(r).get("id").asText();
    }

    void assertError(HttpResponse<byte[]> r, int status, String fragment) throws Exception {
        assertThat(r.statusCode())
                .as(new String(r.body(), StandardCharsets.UTF_8))
                .isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(json(r).get("error").asText()).contains(fragment);
    }

    static int[] decodeLabels(byte[] png) throws Exception {
        BufferedImage im = ImageIO.read(new ByteArrayInputStream(png));
        return LabelImage.of(ImageLoader.fromBuffered(im), "result").values();
    }

    @Test
    void uploadsLabelsSegmentsAndServesEveryResult() throws Exception {
        HttpResponse<byte[]> up = call("POST", "/api/images", "image/png", png(image(0)));
        assertThat(up.statusCode()).isEqualTo(201);
        JsonNode created = json(up);
        assertThat(created.get("width").asInt()).isEqualTo(W);
        assertThat(created.get("height").asInt()).isEqualTo(H);
        String id = created.get("id").asText();
        assertThat(id).matches("[0-9a-f-]{36}");

        assertThat(call("PUT", "/api/images/" + id + "/labels", "image/png", labelsPng(scribbles(), H, W))
                        .statusCode())
                .isEqualTo(204);
        HttpResponse<byte[]> seg = call(
                "POST",
                "/api/images/" + id + "/segment",
                "application/json",
                "{\"classifier\":\"xgboost\",\"seed\":0}".getBytes());
        assertThat(seg.statusCode()).as(new String(seg.body())).isEqualTo(200);
        JsonNode s = json(seg);
        assertThat(s.get("features").asText()).isEqualTo("classical");
        assertThat(s.get("feature_count").asInt()).isEqualTo(58);
        assertThat(s.get("cached").asBoolean()).isFalse();
        assertThat(s.get("seconds").asDouble()).isPositive();
        // 56 dark and 13 bright scribbled pixels: the command's warning for the bright class only
        assertThat(s.get("warning").asText())
                .startsWith("warning: class " + BRIGHT + " has 13 scribbled pixel(s)")
                .doesNotContain("class " + DARK);
        JsonNode classes = s.get("classes");
        assertThat(classes).hasSize(2);
        assertThat(classes.get(0).get("grey").asInt()).isEqualTo(DARK);
        assertThat(classes.get(1).get("grey").asInt()).isEqualTo(BRIGHT);
        double disc = Math.PI * 14 * 14 / (H * W); // the disc's area fraction, ≈ 0.2
        assertThat(classes.get(1).get("fraction").asDouble())
                .isCloseTo(disc, org.assertj.core.api.Assertions.within(0.05));
        assertThat(classes.get(0).get("fraction").asDouble()
                        + classes.get(1).get("fraction").asDouble())
                .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(classes.get(0).get("position_r2").asDouble()).isBetween(0.0, 1.0);

        assertThat(s.get("flat_field").asInt()).isEqualTo(2);
        assertThat(s.get("flat_fielded").asBoolean())
                .as("64 × 48: too small to judge, left as it is")
                .isFalse();
        assertThat(s.get("crf").asBoolean()).isFalse();

        // the labels equal what ./vit segment runs by default for the same image and scribbles: unweighted classes,
        // the image flat-fielded with degree 2, no CRF
        Image img = ImageLoader.fromBuffered(image(0));
        Segmenter.Result expected = Segmenter.train(
                        img,
                        new LabelImage(scribbles(), H, W),
                        Segmenter.Options.defaults(Segmenter.FeatureSet.CLASSICAL, 1),
                        null)
                .apply(img, null);
        HttpResponse<byte[]> labels = call("GET", "/api/images/" + id + "/segmentation.png", null, null);
        assertThat(labels.headers().firstValue("Content-Type")).contains("image/png");
        int[] got = decodeLabels(labels.body());
        assertThat(got).isEqualTo(expected.labels());
        assertThat(got[24 * W + 30]).isEqualTo(BRIGHT); // the disc's centre
        assertThat(got[2 * W + 60]).isEqualTo(DARK); // a far corner
        HttpResponse<byte[]> tiff = call("GET", "/api/images/" + id + "/segmentation.tif", null, null);
        assertThat(tiff.headers().firstValue("Content-Type")).contains("image/tiff");
        Path tif = dir.resolve("labels.tif");
        Files.write(tif, tiff.body());
        assertThat(LabelImage.read(tif).values())
                .as("the TIFF holds the same labels")
                .isEqualTo(got);

        BufferedImage prob = ImageIO.read(new ByteArrayInputStream(
                call("GET", "/api/images/" + id + "/probabilities/" + BRIGHT + ".png", null, null)
                        .body()));
        assertThat(prob.getRaster().getSample(30, 24, 0))
                .isEqualTo(Math.round(expected.probability(1)[24 * W + 30] * 255));
        BufferedImage unc =
                ImageIO.read(new ByteArrayInputStream(call("GET", "/api/images/" + id + "/uncertainty.png", null, null)
                        .body()));
        // the uncertainty is the classifier's (before the CRF, when there is one: as ./vit segment --uncertainty)
        float p0 = expected.probability(0)[2 * W + 60], p1 = expected.probability(1)[2 * W + 60];
        assertThat(unc.getRaster().getSample(60, 2, 0)).isEqualTo(Math.round((1 - Math.abs(p0 - p1)) * 255));
        BufferedImage shown = ImageIO.read(new ByteArrayInputStream(
                call("GET", "/api/images/" + id + "/image.png", null, null).body()));
        assertThat(shown.getWidth()).isEqualTo(W);

        // model.json is what --load-model reads, and it segments alike (the classifier's labels: the CRF is applied
        // after)
        HttpResponse<byte[]> model = call("GET", "/api/images/" + id + "/model.json", null, null);
        assertThat(model.statusCode()).isEqualTo(200);
        Path saved = dir.resolve("m.json");
        Files.write(saved, model.body());
        assertThat(Segmenter.load(saved, 1).apply(img, null).labels()).isEqualTo(expected.labels());

        // retraining reuses the cached features
        assertThat(json(call("POST", "/api/images/" + id + "/segment", "application/json", new byte[0]))
                        .get("cached")
                        .asBoolean())
                .isTrue();
        assertThat(server.cache().size()).isEqualTo(1);
        assertThat(server.cache().bytes()).isEqualTo(4L * H * W * 58);
        // "crf": true refines with the CRF's default parameters, as ./vit segment --crf
        assertThat(json(call("POST", "/api/images/" + id + "/segment", "application/json", "{\"crf\":true}".getBytes()))
                        .get("crf")
                        .asBoolean())
                .isTrue();
        assertThat(decodeLabels(call("GET", "/api/images/" + id + "/segmentation.png", null, null)
                        .body()))
                .isEqualTo(io.jvit.segment.DenseCrf.refine(expected, img, io.jvit.segment.DenseCrf.Params.DEFAULT, 1)
                        .labels());

        assertThat(call("DELETE", "/api/images/" + id, null, null).statusCode()).isEqualTo(204);
        assertThat(server.cache().size()).isZero();
        assertError(call("GET", "/api/images/" + id + "/segmentation.png", null, null), 404, "no image with id");
    }

    @Test
    void refusesBadImagesLabelsAndOptionsWith400() throws Exception {
        assertError(call("POST", "/api/images", "image/png", "not a png".getBytes()), 400, "not a readable png image");
        assertError(
                call("POST", "/api/images", "image/gif", png(image(0))),
                400,
                "Content-Type must be image/png, image/tiff or image/jpeg");
        assertError(call("POST", "/api/images", null, png(image(0))), 400, "Content-Type");
        assertError(call("POST", "/api/images", "image/png", new byte[0]), 400, "empty");
        String id = upload(image(0));
        String img = "/api/images/" + id;
        assertError(call("POST", img + "/segment", "application/json", "{}".getBytes()), 400, "no labels yet");
        assertError(call("PUT", img + "/labels", "image/png", "garbage".getBytes()), 400, "not a readable image");
        assertError(
                call("PUT", img + "/labels", "image/png", labelsPng(new int[10 * 10], 10, 10)),
                400,
                "is 10×10 but the image is 64×48");
        BufferedImage rgb = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        assertError(call("PUT", img + "/labels", "image/png", png(rgb)), 400, "must be greyscale");
        int[] one = new int[H * W];
        one[5] = 3;
        assertThat(call("PUT", img + "/labels", "image/png", labelsPng(one, H, W))
                        .statusCode())
                .isEqualTo(204);
        assertError(
                call("POST", img + "/segment", "application/json", "{}".getBytes()), 400, "one class (grey value 3)");
        assertThat(call("PUT", img + "/labels", "image/png", labelsPng(scribbles(), H, W))
                        .statusCode())
                .isEqualTo(204);
        assertError(call("POST", img + "/segment", "application/json", "{".getBytes()), 400, "not JSON");
        assertError(call("POST", img + "/segment", "application/json", "[1]".getBytes()), 400, "must be a JSON object");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"colour\":1}".getBytes()),
                400,
                "unknown option \"colour\"");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"classifier\":\"svm\"}".getBytes()),
                400,
                "classifier must be xgboost, rf or logistic");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"features\":\"vit\"}".getBytes()),
                400,
                "need a ViT");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"features\":\"pixels\"}".getBytes()),
                400,
                "features must be classical, vit or both");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"flat_field\":7}".getBytes()),
                400,
                "\"flat_field\" must be an integer 0 to 6");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"pca\":0}".getBytes()),
                400,
                "\"pca\" must be an integer 1…256");
        assertError(
                call("POST", img + "/segment", "application/json", "{\"seed\":\"x\"}".getBytes()),
                400,
                "\"seed\" must be an integer");
        assertThat(call("POST", img + "/segment", "application/json", "{\"classifier\":\"logistic\"}".getBytes())
                        .statusCode())
                .isEqualTo(200);
        assertError(call("GET", img + "/probabilities/abc.png", null, null), 400, "probabilities/GREY.png expected");
    }

    @Test
    void answers404ForUnknownIdsRoutesAndResultsNotYetComputed() throws Exception {
        assertError(call("GET", "/api/images/nope/segmentation.png", null, null), 404, "no image with id 'nope'");
        assertError(
                call("PUT", "/api/images/nope/labels", "image/png", labelsPng(scribbles(), H, W)),
                404,
                "no image with id");
        assertError(
                call("POST", "/api/images/nope/segment", "application/json", "{}".getBytes()), 404, "no image with id");
        assertError(call("DELETE", "/api/images/nope", null, null), 404, "no image with id");
        assertError(call("GET", "/api/nothing", null, null), 404, "no such API route");
        assertError(call("GET", "/secret.txt", null, null), 404, "no such page");
        String id = upload(image(0));
        for (String r : new String[] {"segmentation.png", "uncertainty.png", "model.json", "probabilities/60.png"})
            assertError(call("GET", "/api/images/" + id + "/" + r, null, null), 404, "has no segmentation yet");
        assertError(call("GET", "/api/images/" + id + "/other", null, null), 404, "no such API route");
        call("PUT", "/api/images/" + id + "/labels", "image/png", labelsPng(scribbles(), H, W));
        call("POST", "/api/images/" + id + "/segment", "application/json", "{}".getBytes());
        assertError(
                call("GET", "/api/images/" + id + "/probabilities/7.png", null, null),
                404,
                "no class 7 (the classes are [60, 200])");
        assertError(call("GET", "/api/images/" + id + "/segment", null, null), 405, "use POST");
        assertError(call("GET", "/api/jobs/nope", null, null), 404, "no job nope");
    }

    @Test
    void refusesAnUploadOverTheLimitWith413() throws Exception {
        byte[] big = new byte[(int) LIMIT + 1];
        // declared by Content-Length: refused from the headers, before the body is read (a raw request, headers only)
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /api/images HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 300000000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        // streamed without a length (chunked): refused once the count passes the limit
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(base + "/api/images"))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        HttpResponse<byte[]> r = http.send(chunked, HttpResponse.BodyHandlers.ofByteArray());
        assertError(r, 413, "over the upload limit of 200000 bytes (--max-upload)");
        String id = upload(image(0));
        HttpRequest labels = HttpRequest.newBuilder(URI.create(base + "/api/images/" + id + "/labels"))
                .header("Content-Type", "image/png")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        assertError(http.send(labels, HttpResponse.BodyHandlers.ofByteArray()), 413, "over the upload limit");
    }

    @Test
    void servesConcurrentRequestsFromSeveralThreadsEachOnItsOwnImage() throws Exception {
        int clients = 4;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int shift = c % 2;
                results.add(pool.submit(() -> {
                    String id = upload(image(shift));
                    call("PUT", "/api/images/" + id + "/labels", "image/png", labelsPng(scribbles(), H, W));
                    for (int round = 0; round < 2; round++)
                        assertThat(call("POST", "/api/images/" + id + "/segment", "application/json", "{}".getBytes())
                                        .statusCode())
                                .isEqualTo(200);
                    return decodeLabels(call("GET", "/api/images/" + id + "/segmentation.png", null, null)
                            .body());
                }));
            }
            // the same image and scribbles give the same labels whichever thread asked, and the shifted disc differs
            int[] a = results.get(0).get(), b = results.get(1).get();
            assertThat(results.get(2).get()).isEqualTo(a);
            assertThat(results.get(3).get()).isEqualTo(b);
            assertThat(a).isNotEqualTo(b);
            assertThat(a[24 * W + 30]).isEqualTo(BRIGHT);
            assertThat(b[24 * W + 34]).isEqualTo(BRIGHT);
        } finally {
            pool.shutdownNow();
        }
        // one image segmented by several threads at once: one at a time, each answer complete
        String id = upload(image(0));
        call("PUT", "/api/images/" + id + "/labels", "image/png", labelsPng(scribbles(), H, W));
        ExecutorService same = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> codes = new ArrayList<>();
            for (int i = 0; i < 3; i++)
                codes.add(same.submit(
                        () -> call("POST", "/api/images/" + id + "/segment", "application/json", "{}".getBytes())
                                .statusCode()));
            for (Future<Integer> c : codes) assertThat(c.get()).isEqualTo(200);
        } finally {
            same.shutdownNow();
        }
        assertThat(server.cache().size()).isEqualTo(5); // one entry per image: the features were computed once each
    }

    @Test
    void closesTheLeastRecentlyUsedImageBeyondItsImageMemory() throws Exception {
        server.close();
        long one = 4L * H * W; // an 8-bit grey image's pixels as floats
        server = SegmentServer.start(
                new ServeConfig(Map.of(), dir, LIMIT, 64L << 20, 1, 2 * one + one / 2), "127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
        String a = json(call("POST", "/api/images", "image/png", png(image(0))))
                .get("id")
                .asText();
        String b = json(call("POST", "/api/images", "image/png", png(image(1))))
                .get("id")
                .asText();
        assertThat(call("GET", "/api/images/" + a + "/image.png", null, null).statusCode())
                .isEqualTo(200); // a is now the more recently used
        String c = json(call("POST", "/api/images", "image/png", png(image(2))))
                .get("id")
                .asText();
        // three images do not fit in two and a half: b, the least recently used, was closed, and says so
        assertError(
                call("GET", "/api/images/" + b + "/image.png", null, null), 404, "was closed to keep the open images");
        assertThat(call("GET", "/api/images/" + a + "/image.png", null, null).statusCode())
                .isEqualTo(200);
        assertThat(call("GET", "/api/images/" + c + "/image.png", null, null).statusCode())
                .isEqualTo(200);
        // a segmentation adds its result to what an image holds: segmenting c closes a, the other one
        call("PUT", "/api/images/" + c + "/labels", "image/png", labelsPng(scribbles(), H, W));
        assertThat(call("POST", "/api/images/" + c + "/segment", "application/json", "{}".getBytes())
                        .statusCode())
                .isEqualTo(200);
        assertError(call("GET", "/api/images/" + a + "/image.png", null, null), 404, "least recently used first");
        assertThat(call("GET", "/api/images/" + c + "/segmentation.png", null, null)
                        .statusCode())
                .isEqualTo(200);
        assertError(call("GET", "/api/images/nope/image.png", null, null), 404, "no image with id");
    }

    @Test
    void opensTheServersFolderAndAppliesTheModelToItWithProgress() throws Exception {
        JsonNode list = json(call("GET", "/api/folder", null, null));
        assertThat(list.get("images").toString()).isEqualTo("[\"a.png\",\"b.png\"]");
        HttpResponse<byte[]> opened = call("POST", "/api/folder/a.png", null, null);
        assertThat(opened.statusCode()).isEqualTo(201);
        String id = json(opened).get("id").asText();
        assertError(call("POST", "/api/folder/..%2Fetc%2Fpasswd", null, null), 404, "no image '../etc/passwd'");
        assertError(call("POST", "/api/images/" + id + "/apply", null, null), 404, "has no segmentation yet");
        call("PUT", "/api/images/" + id + "/labels", "image/png", labelsPng(scribbles(), H, W));
        call("POST", "/api/images/" + id + "/segment", "application/json", "{}".getBytes());
        HttpResponse<byte[]> started = call("POST", "/api/images/" + id + "/apply", null, null);
        assertThat(started.statusCode()).isEqualTo(202);
        String job = json(started).get("job").asText();
        JsonNode progress;
        long deadline = System.nanoTime() + 60_000_000_000L;
        do {
            Thread.sleep(50);
            progress = json(call("GET", "/api/jobs/" + job, null, null));
        } while (!progress.get("finished").asBoolean() && System.nanoTime() < deadline);
        assertThat(progress.get("done").asInt()).isEqualTo(2);
        assertThat(progress.get("total").asInt()).isEqualTo(2);
        JsonNode second = progress.get("results").get(1);
        assertThat(second.get("image").asText()).isEqualTo("b.png");
        int[] b =
                decodeLabels(call("GET", second.get("url").asText(), null, null).body());
        assertThat(b[24 * W + 34]).isEqualTo(BRIGHT);
        assertThat(b[2 * W + 60]).isEqualTo(DARK);
        assertThat(json(call("GET", "/api/info", null, null)).get("folder").asBoolean())
                .isTrue();
    }

    @Test
    void servesThePageFromTheJar() throws Exception {
        for (String p : new String[] {"/", "/app.js", "/app.css"}) {
            HttpResponse<byte[]> r = call("GET", p, null, null);
            assertThat(r.statusCode()).as(p).isEqualTo(200);
            assertThat(r.body().length).as(p).isPositive();
        }
        assertThat(new String(call("GET", "/", null, null).body(), StandardCharsets.UTF_8))
                .contains("app.js")
                .doesNotContain("https://");
    }
}

package io.jvit.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.BadInputException;
import io.jvit.segment.DenseCrf;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Metrics;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;

/**
 * The HTTP API of {@code ./vit serve} (docs/serve.md) and the page, on the JDK's own server. Every request is
 * validated before any work; every refusal is {@code {"error": "…"}} with 400 (bad image, labels or options), 404
 * (unknown id or route), 405 (wrong method) or 413 (body over the upload limit).
 */
public final class SegmentServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> UPLOAD_TYPES =
            Map.of("image/png", ".png", "image/tiff", ".tif", "image/jpeg", ".jpg");
    private static final Map<String, String> PAGE =
            Map.of("/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");

    private final ServeConfig config;
    private final HttpServer http;
    private final ExecutorService requests, jobs;
    private final Path temp;
    private final FeatureCache cache;
    private final Map<String, ImageSession> images = new ConcurrentHashMap<>();
    private final Map<String, FolderJob> folderJobs = new ConcurrentHashMap<>();
    // ids of images closed to keep within config.imageBytes(), the latest 1024, for a 404 that says why
    private final Map<String, Boolean> closed =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
                    return size() > 1024;
                }
            });

    private SegmentServer(ServeConfig config, HttpServer http, Path temp) {
        this.config = config;
        this.http = http;
        this.temp = temp;
        this.cache = new FeatureCache(config.cacheBytes());
        this.requests = Executors.newFixedThreadPool(8, daemon("jvit-serve-"));
        this.jobs = Executors.newSingleThreadExecutor(daemon("jvit-serve-folder-"));
        http.setExecutor(requests);
        http.createContext("/", this::handle);
    }

    /** Starts serving on {@code host:port} (port 0: an ephemeral one, see {@link #port()}). */
    public static SegmentServer start(ServeConfig config, String host, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        SegmentServer s = new SegmentServer(config, http, Files.createTempDirectory("jvit-serve-"));
        http.start();
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Stops serving, and deletes the temporary folder. */
    @Override
    public void close() {
        http.stop(0);
        requests.shutdownNow();
        jobs.shutdownNow();
        try (var files = Files.walk(temp)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) { // best effort: the OS cleans its temporary folder too
        }
    }

    FeatureCache cache() {
        return cache;
    }

    // ---- dispatch ----

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex, ex.getRequestURI().getRawPath()); // raw: an encoded "/" inside a name stays in its segment
            } catch (ApiException e) {
                error(ex, e.status, e.getMessage());
            } catch (BadInputException e) {
                error(ex, 400, e.problem());
            } catch (IllegalArgumentException e) {
                error(ex, 400, e.getMessage());
            } catch (OutOfMemoryError e) {
                error(ex, 503, "out of memory: the server needs a larger heap (JAVA_OPTS=-Xmx…) or smaller images");
            } catch (RuntimeException e) {
                error(ex, 500, "internal error: " + BadInputException.describe(e));
            }
        } catch (IOException e) { // the client went away: nothing to answer
        }
    }

    private void route(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        if (!path.startsWith("/api/")) {
            String file = PAGE.get(path);
            if (file == null) throw ApiException.notFound("no such page: " + path);
            only(method, "GET");
            page(ex, file);
            return;
        }
        String[] p = path.substring("/api/".length()).split("/", -1);
        for (int i = 0; i < p.length; i++)
            p[i] = java.net.URLDecoder.decode(p[i].replace("+", "%2B"), StandardCharsets.UTF_8);
        switch (p[0]) {
            case "info" -> {
                only(method, "GET");
                if (p.length != 1) unknown(path);
                json(ex, 200, info());
            }
            case "images" -> images(ex, method, path, p);
            case "folder" -> folder(ex, method, path, p);
            case "jobs" -> folderJob(ex, method, path, p);
            default -> unknown(path);
        }
    }

    private void images(HttpExchange ex, String method, String path, String[] p) throws IOException {
        if (p.length == 1) {
            only(method, "POST");
            upload(ex);
            return;
        }
        ImageSession s = session(p[1]);
        if (p.length == 2) {
            only(method, "DELETE");
            delete(s);
            send(ex, 204, null, null);
            return;
        }
        String what = p[2];
        if (p.length == 4 && what.equals("probabilities")) {
            only(method, "GET");
            probability(ex, s, p[3]);
            return;
        }
        if (p.length != 3) unknown(path);
        switch (what) {
            case "labels" -> {
                only(method, "PUT");
                labels(s, body(ex));
                send(ex, 204, null, null);
            }
            case "segment" -> {
                only(method, "POST");
                json(ex, 200, segment(s, body(ex)));
            }
            case "image.png" -> {
                only(method, "GET");
                send(ex, 200, "image/png", Pngs.display(s.image));
            }
            case "segmentation.png" -> {
                only(method, "GET");
                var r = outcome(s).result();
                send(ex, 200, "image/png", Pngs.labels(r.labels(), r.height(), r.width()));
            }
            case "segmentation.tif" -> {
                only(method, "GET");
                var r = outcome(s).result();
                send(ex, 200, "image/tiff", Pngs.labelsTiff(r.labels(), r.height(), r.width()));
            }
            case "uncertainty.png" -> {
                only(method, "GET");
                var o = outcome(s);
                send(ex, 200, "image/png", Pngs.unit(o.uncertainty(), s.image.height(), s.image.width()));
            }
            case "model.json" -> {
                only(method, "GET");
                send(ex, 200, "application/json", model(outcome(s).segmenter()));
            }
            case "apply" -> {
                only(method, "POST");
                json(ex, 202, apply(s));
            }
            default -> unknown(path);
        }
    }

    // ---- the API ----

    private ObjectNode info() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode src = o.putArray("sources");
        config.sources().keySet().forEach(src::add);
        ArrayNode clf = o.putArray("classifiers");
        for (PixelClassifier.Kind k : PixelClassifier.Kind.values()) clf.add(SegmentRequest.name(k));
        o.put("folder", config.images() != null);
        o.put("max_upload", config.maxUpload());
        return o;
    }

    private void upload(HttpExchange ex) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        String mime = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        String suffix = UPLOAD_TYPES.get(mime);
        if (suffix == null)
            throw ApiException.badRequest("Content-Type must be image/png, image/tiff or image/jpeg, got "
                    + (type == null ? "none" : "'" + type + "'"));
        byte[] bytes = body(ex);
        if (bytes.length == 0) throw ApiException.badRequest("the body is empty: send the image's bytes");
        Path file = Files.createTempFile(
                temp, "upload-", suffix); // ImageLoader's checks (size limits, truncation) read files
        Image img;
        try {
            Files.write(file, bytes);
            img = ImageLoader.read(file);
        } catch (BadInputException e) {
            throw ApiException.badRequest("not a readable " + mime.substring(6) + " image: " + e.problem());
        } finally {
            Files.deleteIfExists(file);
        }
        json(ex, 201, created(open("upload" + suffix, img)));
    }

    private ImageSession open(String name, Image img) {
        ImageSession s = new ImageSession(UUID.randomUUID().toString(), name, img);
        images.put(s.id, s);
        keepWithinBound(s);
        return s;
    }

    /**
     * Closes the least recently used images (never {@code keep}, the one just opened or segmented) while the open
     * images hold more than {@link ServeConfig#imageBytes()}; their ids then answer 404 saying why.
     */
    private synchronized void keepWithinBound(ImageSession keep) {
        long total = 0;
        for (ImageSession s : images.values()) total += s.bytes();
        while (total > config.imageBytes()) {
            ImageSession oldest = null;
            for (ImageSession s : images.values())
                if (s != keep && (oldest == null || s.lastUsed() < oldest.lastUsed())) oldest = s;
            if (oldest == null) break; // the one image alone exceeds the bound: it stays open
            total -= oldest.bytes();
            closed.put(oldest.id, Boolean.TRUE);
            delete(oldest);
        }
    }

    private static ObjectNode created(ImageSession s) {
        return JSON.createObjectNode()
                .put("id", s.id)
                .put("width", s.image.width())
                .put("height", s.image.height());
    }

    private void delete(ImageSession s) {
        images.remove(s.id);
        cache.removeImage(s.id);
    }

    private static void labels(ImageSession s, byte[] bytes) throws IOException {
        if (bytes.length == 0) throw ApiException.badRequest("the body is empty: send the labels as an 8-bit grey PNG");
        BufferedImage im;
        try {
            im = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw ApiException.badRequest("the labels are not a readable PNG (" + BadInputException.describe(e) + ")");
        }
        if (im == null)
            throw ApiException.badRequest("the labels are not a readable image (an 8-bit grey PNG expected)");
        LabelImage lab = LabelImage.of(ImageLoader.fromBuffered(im), "the labels");
        lab.requireSize(s.image.height(), s.image.width(), "the label image");
        s.labels(lab);
    }

    private ObjectNode segment(ImageSession s, byte[] body) {
        JsonNode json;
        try {
            json = body.length == 0 ? null : JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest("the segment options are not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw ApiException.badRequest("the segment options are not JSON (" + e.getMessage() + ")");
        }
        SegmentRequest req = SegmentRequest.parse(json, config.sources());
        LabelImage lab = s.labels();
        if (lab == null) throw ApiException.badRequest("no labels yet: PUT /api/images/" + s.id + "/labels first");
        int[] classes = lab.classes();
        if (classes.length < 2)
            throw ApiException.badRequest(
                    classes.length == 0
                            ? "the labels have no scribbles (every pixel is 0)"
                            : "the labels have one class (grey value " + classes[0]
                                    + "); segmentation needs scribbles of at least two");
        Segmenter.Options opts = req.options(config.threads());
        FastViT vit = config.sources().get(req.source());
        synchronized (s.segmenting) {
            long t0 = System.nanoTime();
            var key = new FeatureCache.Key(s.id, req.features(), req.source(), req.pca(), req.flatField());
            boolean cached = cache.contains(key);
            Segmenter.Prepared prepared = cache.get(key, () -> Segmenter.prepare(s.image, opts, vit));
            long t1 = System.nanoTime();
            Segmenter seg = Segmenter.train(prepared, lab, opts);
            Segmenter.Result r = seg.apply(s.image, vit);
            float[] uncertainty = r.uncertainty(); // the classifier's, as ./vit segment --uncertainty
            if (req.crf()) r = DenseCrf.refine(r, s.image, DenseCrf.Params.DEFAULT, config.threads());
            long t2 = System.nanoTime();
            s.outcome(new ImageSession.Outcome(seg, r, req, uncertainty));
            keepWithinBound(s); // a result adds to what the image holds
            ObjectNode o = JSON.createObjectNode();
            o.put("features", SegmentRequest.name(req.features()))
                    .put("source", req.source())
                    .put("classifier", SegmentRequest.name(req.classifier()))
                    .put("class_weights", req.balanced() ? "balanced" : "none")
                    .put("flat_field", req.flatField())
                    // whether it changed this image (a non-homogeneous or small image is left as it is)
                    .put("flat_fielded", s.flatFielded(req.flatField()))
                    .put("crf", req.crf())
                    .put("feature_count", seg.featureCount())
                    .put("cached", cached)
                    .put("feature_seconds", (t1 - t0) / 1e9)
                    .put("seconds", (t2 - t0) / 1e9);
            String few = lab.fewScribbles(); // as ./vit segment prints it
            if (few != null) o.put("warning", few);
            ArrayNode cs = o.putArray("classes");
            int n = r.labels().length;
            for (int k = 0; k < r.classValues().length; k++) {
                int v = r.classValues()[k];
                long count =
                        java.util.Arrays.stream(r.labels()).filter(x -> x == v).count();
                cs.addObject()
                        .put("grey", v)
                        .put("fraction", count / (double) n)
                        .put("position_r2", Metrics.positionR2(r.probability(k), r.height(), r.width()));
            }
            return o;
        }
    }

    private static ImageSession.Outcome outcome(ImageSession s) {
        ImageSession.Outcome o = s.outcome();
        if (o == null)
            throw ApiException.notFound(
                    "image " + s.id + " has no segmentation yet: POST /api/images/" + s.id + "/segment first");
        return o;
    }

    private static void probability(HttpExchange ex, ImageSession s, String file) throws IOException {
        if (!file.matches("\\d{1,5}\\.png"))
            throw ApiException.badRequest(
                    "probabilities/GREY.png expected, GREY a class's grey value, got '" + file + "'");
        int grey = Integer.parseInt(file.substring(0, file.length() - 4));
        Segmenter.Result r = outcome(s).result();
        int k = java.util.Arrays.binarySearch(r.classValues(), grey);
        if (k < 0)
            throw ApiException.notFound(
                    "no class " + grey + " (the classes are " + java.util.Arrays.toString(r.classValues()) + ")");
        send(ex, 200, "image/png", Pngs.unit(r.probability(k), r.height(), r.width()));
    }

    /** The JSON {@code ./vit segment --load-model} reads (XGBoost's booster is not shared by concurrent calls). */
    private static byte[] model(Segmenter seg) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        synchronized (seg) {
            seg.write(out);
        }
        return out.toByteArray();
    }

    // ---- the server's folder ----

    private List<Path> folderImages() {
        if (config.images() == null)
            throw ApiException.notFound("this server has no folder of images (start it with --images DIR)");
        try {
            return ImageLoader.listImages(config.images());
        } catch (IOException e) {
            throw new ApiException(500, "cannot list " + config.images() + ": " + e.getMessage());
        }
    }

    private void folder(HttpExchange ex, String method, String path, String[] p) throws IOException {
        List<Path> files = folderImages();
        if (p.length == 1) {
            only(method, "GET");
            ObjectNode o = JSON.createObjectNode();
            ArrayNode a = o.putArray("images");
            files.forEach(f -> a.add(f.getFileName().toString()));
            json(ex, 200, o);
            return;
        }
        if (p.length != 2) unknown(path);
        only(method, "POST");
        String name = p[1];
        Path f = files.stream()
                .filter(x -> x.getFileName().toString().equals(name))
                .findFirst() // only listed names: no ../
                .orElseThrow(() -> ApiException.notFound("no image '" + name + "' in the server's folder"));
        ImageSession s = open(name, ImageLoader.read(f));
        json(ex, 201, created(s));
    }

    private ObjectNode apply(ImageSession s) {
        ImageSession.Outcome o = outcome(s);
        List<Path> files = folderImages();
        String id = UUID.randomUUID().toString();
        FolderJob job = new FolderJob(
                id,
                o.segmenter(),
                config.sources().get(o.request().source()),
                o.request().crf() ? DenseCrf.Params.DEFAULT : null,
                config.threads(),
                files,
                temp.resolve("job-" + id));
        folderJobs.put(id, job);
        jobs.submit(job);
        return JSON.createObjectNode().put("job", id).put("total", job.total());
    }

    private void folderJob(HttpExchange ex, String method, String path, String[] p) throws IOException {
        only(method, "GET");
        if (p.length < 2) unknown(path);
        FolderJob job = folderJobs.get(p[1]);
        if (job == null) throw ApiException.notFound("no job " + p[1]);
        if (p.length == 2) {
            ObjectNode o = JSON.createObjectNode()
                    .put("job", job.id)
                    .put("total", job.total())
                    .put("done", job.processed.get())
                    .put("finished", job.finished.get());
            ArrayNode a = o.putArray("results");
            for (int i = 0; i < job.done.size(); i++) {
                FolderJob.Done d = job.done.get(i);
                ObjectNode r = a.addObject().put("image", d.image());
                if (d.error() != null) r.put("error", d.error());
                else r.put("url", "/api/jobs/" + job.id + "/" + i + ".png");
            }
            json(ex, 200, o);
            return;
        }
        if (p.length != 3 || !p[2].matches("\\d{1,9}\\.png")) unknown(path);
        int i = Integer.parseInt(p[2].substring(0, p[2].length() - 4));
        if (i >= job.done.size() || job.done.get(i).result() == null)
            throw ApiException.notFound("job " + job.id + " has no result " + i);
        send(ex, 200, "image/png", Files.readAllBytes(job.done.get(i).result()));
    }

    // ---- helpers ----

    private ImageSession session(String id) {
        ImageSession s = images.get(id);
        if (s == null && closed.containsKey(id))
            throw ApiException.notFound("image '" + id + "' was closed to keep the open images within "
                    + (config.imageBytes() >> 20) + " MB (--image-memory; least recently used first): open it again");
        if (s == null)
            throw ApiException.notFound("no image with id '" + id + "' (uploaded to this server and not deleted)");
        s.touch();
        return s;
    }

    private static void only(String method, String allowed) {
        if (!method.equals(allowed)) throw new ApiException(405, method + " is not allowed here; use " + allowed);
    }

    private static void unknown(String path) {
        throw ApiException.notFound("no such API route: " + path);
    }

    /** The request body, refused with 413 as soon as it is known to exceed the upload limit (declared or counted). */
    private byte[] body(HttpExchange ex) throws IOException {
        long limit = config.maxUpload();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("bad Content-Length: " + declared);
            }
            if (n > limit) throw tooLarge(n + " bytes", limit);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = ex.getRequestBody()) {
            for (int r; (r = in.read(buf)) > 0; ) {
                if (out.size() + (long) r > limit) throw tooLarge("over " + limit + " bytes", limit);
                out.write(buf, 0, r);
            }
        }
        return out.toByteArray();
    }

    private static ApiException tooLarge(String size, long limit) {
        return new ApiException(
                413, "the body is " + size + ", over the upload limit of " + limit + " bytes (--max-upload)");
    }

    private static void page(HttpExchange ex, String file) throws IOException {
        try (InputStream in = SegmentServer.class.getResourceAsStream("web/" + file)) {
            if (in == null) throw new ApiException(500, "the page's " + file + " is missing from this build");
            String type = file.endsWith(".html")
                    ? "text/html; charset=utf-8"
                    : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void error(HttpExchange ex, int status, String problem) throws IOException {
        json(ex, status, JSON.createObjectNode().put("error", problem == null ? "unknown error" : problem));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store"); // results change with every retraining
        ex.sendResponseHeaders(status, body == null ? -1 : body.length);
        if (body != null)
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        var n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

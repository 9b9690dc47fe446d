package io.jvit.cli;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.io.BadInputException;
import io.jvit.core.pe.Pe;
import io.jvit.serve.SegmentServer;
import io.jvit.serve.ServeConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit serve}: trainable segmentation in the browser (module vit-serve). ViT feature sources: the model of
 * {@code --weights}, or else the embedded teacher and ALiBi student side by side (painting by position, seen).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Interactive trainable segmentation in the browser: paint scribbles, see the segmentation (HTTP API in docs/serve.md).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "port (default ${DEFAULT-VALUE}; 0: any free one)")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "address to bind (default ${DEFAULT-VALUE}: this machine only)")
    String host;

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "FILE",
            description = "ViT checkpoint for ViT features (default: the embedded teacher and ALiBi student)")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding of --weights (e.g. alibi)")
    String pe;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "a folder the page may open images from and apply the model to")
    Path images;

    @Option(
            names = "--max-upload",
            defaultValue = "256MB",
            paramLabel = "SIZE",
            description = "largest upload (default ${DEFAULT-VALUE}; larger: 413)")
    String maxUpload;

    @Option(
            names = "--cache",
            paramLabel = "SIZE",
            description = "memory for cached features (default: a third of the heap)")
    String cache;

    @Option(
            names = "--image-memory",
            paramLabel = "SIZE",
            description =
                    "memory for the open images with their results (default: a third of the heap; beyond it the least recently used image is closed)")
    String imageMemory;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    NonFiniteOption nonFinite;

    @Override
    public Integer call() throws Exception {
        SegmentServer server = start(System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await(); // serves until Ctrl-C
        return 0;
    }

    /** Checks the options, loads the models, starts the server and prints where it listens. */
    SegmentServer start(PrintStream out) throws Exception {
        int threads = threadsOption.configure();
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0…65535, got " + port);
        long upload = Flags.parse("--max-upload", maxUpload, ServeConfig::parseSize);
        long cacheBytes = cache == null
                ? Runtime.getRuntime().maxMemory() / 3
                : Flags.parse("--cache", cache, ServeConfig::parseSize);
        long imageBytes = imageMemory == null
                ? Runtime.getRuntime().maxMemory() / 3
                : Flags.parse("--image-memory", imageMemory, ServeConfig::parseSize);
        if (imageBytes < 1) throw new IllegalArgumentException("--image-memory must be positive, got " + imageMemory);
        if (images != null && !Files.isDirectory(images)) throw new BadInputException(images, "is not a folder");
        if (pe != null && weights == null)
            throw new IllegalArgumentException("--pe describes --weights; give --weights too");
        Map<String, FastViT> sources = new LinkedHashMap<>();
        if (weights != null) {
            sources.put(
                    weights.getFileName().toString().replaceFirst("\\.[^.]+$", ""),
                    new FastViT(
                            Checkpoints.load(weights, Pe.parse(pe), null, nonFinite.allow)
                                    .model(),
                            threads));
        } else {
            sources.put(
                    "teacher",
                    new FastViT(
                            Checkpoints.load(EmbeddedModels.extract(EmbeddedModels.TEACHER))
                                    .model(),
                            threads));
            sources.put(
                    "student",
                    new FastViT(
                            Checkpoints.load(EmbeddedModels.extract(EmbeddedModels.STUDENT))
                                    .model(),
                            threads));
        }
        SegmentServer server = SegmentServer.start(
                new ServeConfig(sources, images, upload, cacheBytes, threads, imageBytes), host, port);
        String shown = host.contains(":") ? "[" + host + "]" : host;
        out.println("listening on http://" + shown + ":" + server.port() + "/");
        out.flush();
        return server;
    }
}

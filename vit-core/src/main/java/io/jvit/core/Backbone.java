package io.jvit.core;

import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Pe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Vision Transformer ready to give features: the library's entry point. It holds the model, the engine that runs it
 * ({@link Engine#FAST} unless asked otherwise) and how images are fitted to the patch size.
 *
 * <pre>{@code
 * Backbone vit = Backbone.load(Path.of("alibi_coco_dv2_vits14_reg4.pth"), Pe.ALIBI);
 * Features f = vit.features(Path.of("micrograph.png"));           // (h, w, C) final-normed patch tokens
 * ViTOutput all = vit.forward(ImageLoader.read(Path.of("micrograph.png")), true);  // cls, registers, every block
 * }</pre>
 *
 * On one of this library's own {@code .safetensors} files and the fast engine, {@link #features} never loads ND4J.
 * Thread-safe: the engines serialise their calls.
 */
public final class Backbone {
    private final ViTConfig config;
    private final Engine engine;
    private final int threads;
    private final Preprocessor preprocessor;
    private final CheckpointFormat format; // null for a model built in code
    private final List<String> notes;
    private final Map<String, float[]> floats; // the weights as float arrays when loaded without ND4J, else null
    private VisionTransformer model; // built from `floats` on first need when loaded without ND4J
    private FastViT fast; // made on first use

    private Backbone(
            ViTConfig config,
            VisionTransformer model,
            Map<String, float[]> floats,
            Options o,
            CheckpointFormat format,
            List<String> notes) {
        this.config = config;
        this.model = model;
        this.floats = floats;
        this.engine = o.engine;
        this.threads = o.threads;
        this.preprocessor = new Preprocessor(config.patchSize(), o.resize);
        this.format = format;
        this.notes = List.copyOf(notes);
    }

    /** A checkpoint as trained ({@code .pth} or {@code .safetensors}; DINOv2 hub, timm, HF or this library's naming). */
    public static Backbone load(Path file) {
        return options().load(file);
    }

    /** A checkpoint with its positional encoding chosen ({@link Pe#ALIBI} for the paper's retrofitted models). */
    public static Backbone load(Path file, Pe pe) {
        return options().pe(pe).load(file);
    }

    /** A model built in code, with fresh weights (timm-style init, LayerScale 1e-5 as DINOv2 starts training). */
    public static Backbone random(ViTConfig config, long seed) {
        return options().wrap(new VisionTransformer(config, ViTWeights.random(config, seed, 1e-5, DataType.FLOAT)));
    }

    /** An existing SameDiff model on the default engine. */
    public static Backbone of(VisionTransformer model) {
        return options().wrap(model);
    }

    /** Everything a load can be told: positional encoding, preset, engine, threads, image fitting. */
    public static Options options() {
        return new Options();
    }

    /** The model's shape. */
    public ViTConfig config() {
        return config;
    }

    /** The engine that runs {@link #features} and {@link #forward}. */
    public Engine engine() {
        return engine;
    }

    /** Threads of the fast engine's matrix products and attention. */
    public int threads() {
        return threads;
    }

    /** The naming the checkpoint used ({@link CheckpointFormat#JVIT} for this library's files); null when built in code. */
    public CheckpointFormat format() {
        return format;
    }

    /** Remarks about the checkpoint worth telling a user (e.g. an all-zero pos_embed: an ALiBi model?). */
    public List<String> notes() {
        return notes;
    }

    /** The ND4J/SameDiff model (made from the float weights on first call when loaded without ND4J). */
    public synchronized VisionTransformer model() {
        if (model == null) {
            Map<String, INDArray> w = new LinkedHashMap<>();
            ViTWeights.expectedShapes(config)
                    .forEach((name, shape) -> w.put(name, Nd4j.create(floats.get(name), shape, 'c')));
            model = new VisionTransformer(config, new ViTWeights(w));
        }
        return model;
    }

    private synchronized FastViT fast() {
        if (fast == null) fast = floats != null ? new FastViT(config, floats, threads) : new FastViT(model, threads);
        return fast;
    }

    /** The patch features of an image file. */
    public Features features(Path imageFile) throws IOException {
        return features(ImageLoader.read(imageFile));
    }

    /** The final-normed patch tokens of an image (fitted to the patch size as {@link Options#resize} says). */
    public Features features(Image image) {
        Preprocessor.Pixels px = preprocessor.pixels(List.of(image));
        int c = config.embedDim();
        if (engine == Engine.FAST) {
            FastViT.Result r = fast().run(px.data(), 1, px.height(), px.width(), false);
            return new Features(r.patchTokens(), r.gridH(), r.gridW(), c);
        }
        ViTOutput o = forward(Nd4j.create(px.data(), new long[] {1, 3, px.height(), px.width()}, 'c'), false);
        return new Features(
                o.patchTokens().castTo(DataType.FLOAT).dup('c').data().asFloat(), o.gridH(), o.gridW(), c);
    }

    /**
     * Every output of one image: CLS, registers and patch tokens (final-normed), the tokens before the final norm, and
     * with {@code intermediates} each block's output (the positional fingerprint reads them).
     */
    public ViTOutput forward(Image image, boolean intermediates) {
        return forward(preprocessor.tensor(image), intermediates);
    }

    /** {@link #forward(Image, boolean)} on a normalised batch (B, 3, H, W), H and W multiples of the patch size. */
    public ViTOutput forward(INDArray images, boolean intermediates) {
        return engine == Engine.FAST ? fast().forward(images, intermediates) : model().forward(images, intermediates);
    }

    /** Saves the model as {@code .safetensors} with its configuration in the metadata, atomically. */
    public void save(Path file) throws IOException {
        Checkpoints.save(file, model());
    }

    /**
     * How to load or wrap a model. Defaults: the checkpoint's own positional encoding, the architecture read off the
     * tensors, the fast engine on one thread, images cropped (not resampled) to a multiple of the patch size.
     */
    public static final class Options {
        private Pe pe = Pe.AS_TRAINED;
        private String arch; // null: read off the tensors
        private Engine engine = Engine.FAST;
        private int threads = 1; // callers choose their parallelism
        private Preprocessor.ResizePolicy resize =
                Preprocessor.ResizePolicy.NONE; // what the patch convolution does anyway
        private boolean allowNonFinite; // NaN or Inf weights are refused, naming the tensor

        private Options() {}

        /** The positional encoding to load with. */
        public Options pe(Pe v) {
            pe = Objects.requireNonNull(v, "pe");
            return this;
        }

        /** A {@link Presets} name the checkpoint must fit (gives the head count; else width / 64). */
        public Options arch(String presetName) {
            Presets.get(presetName);
            arch = presetName;
            return this;
        }

        /** Which engine runs the model. */
        public Options engine(Engine v) {
            engine = Objects.requireNonNull(v, "engine");
            return this;
        }

        /** Threads of the fast engine (at least 1). */
        public Options threads(int v) {
            if (v < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + v);
            threads = v;
            return this;
        }

        /** How images are fitted to a multiple of the patch size. */
        public Options resize(Preprocessor.ResizePolicy v) {
            resize = Objects.requireNonNull(v, "resize");
            return this;
        }

        /** Loads weights that hold NaN or Inf (every feature is then NaN); by default they are refused. */
        public Options allowNonFinite(boolean v) {
            allowNonFinite = v;
            return this;
        }

        /** Loads a checkpoint with these options. */
        public Backbone load(Path file) {
            if (engine == Engine.FAST) {
                // our own .safetensors: float arrays end to end, ND4J (and its natives) never loaded
                Checkpoints.FloatModel m = Checkpoints.loadFloats(file, pe, arch, allowNonFinite);
                if (m != null)
                    return new Backbone(m.config(), null, m.weights(), this, CheckpointFormat.JVIT, List.of());
            }
            Checkpoints.Loaded l = Checkpoints.load(file, pe, arch, allowNonFinite);
            return new Backbone(l.model().config(), l.model(), null, this, l.format(), l.notes());
        }

        /** An existing model with these options (its positional encoding and preset are its own). */
        public Backbone wrap(VisionTransformer model) {
            if (pe != Pe.AS_TRAINED || arch != null)
                throw new IllegalArgumentException(
                        "a positional encoding or preset applies to loading; this model is built already");
            return new Backbone(model.config(), model, null, this, null, List.of());
        }
    }
}

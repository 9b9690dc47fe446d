package io.jvit.core.checkpoint;

import io.jvit.core.config.ConfigJson;
import io.jvit.core.config.MlpKind;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.Pe;
import io.jvit.core.pe.PositionalEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loads a ViT from a checkpoint file of any supported container ({@code .pth} zip, {@code .safetensors})
 * and naming ({@link CheckpointFormat}), reading depth, width, patch size and registers from the tensors.
 *
 * <pre>{@code
 * Loaded m = Checkpoints.load(Path.of("dinov2_vits14_reg4.pth"));                       // as trained
 * Loaded a = Checkpoints.load(Path.of("alibi_coco_dv2_vits14_reg4.pth"), Pe.ALIBI);      // the paper's retrofit
 * Loaded s = Checkpoints.load(Path.of("model.pth"), Pe.AS_TRAINED, "dinov2_vits14_reg4"); // must fit a preset
 * }</pre>
 *
 * <p>Every method throws {@link CheckpointException} (a {@link io.jvit.core.io.BadInputException}, unchecked) for a file
 * it cannot use, with the message {@code FILE: problem}: corrupt, truncated or hostile files are refused before
 * anything larger than the file is allocated, and weights holding NaN or Inf are refused with the tensor's name unless
 * {@code allowNonFinite} is given.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** A loaded model, the naming its file used, and remarks worth telling the user. */
    public record Loaded(VisionTransformer model, CheckpointFormat format, List<String> notes) {}

    public static final String CONFIG_KEY = "jvit.config";

    /** Reads the raw tensors of a file, by content (not by extension). */
    public static Map<String, INDArray> readTensors(Path file) {
        return readContainer(file).tensors();
    }

    /** The first (up to) 9 bytes of a file: enough to tell a .pth zip, a legacy pickle and a safetensors header apart. */
    private static byte[] head(Path file) {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "no such file");
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(9);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static boolean isSafetensors(byte[] head) {
        return head.length == 9 && head[8] == '{';
    }

    private static Safetensors.Contents readContainer(Path file) {
        byte[] head = head(file);
        int n = head.length;
        if (n >= 4 && head[0] == 'P' && head[1] == 'K')
            return new Safetensors.Contents(TorchCheckpoint.read(file), Map.of());
        if (isSafetensors(head)) return Safetensors.read(file);
        if (n >= 2 && (head[0] & 0xff) == 0x80)
            throw new CheckpointException(
                    file, "legacy (pre-1.6) torch.save format; re-save it with a current PyTorch");
        throw new CheckpointException(
                file, "unrecognised checkpoint format (expected a PyTorch .pth zip or .safetensors)");
    }

    /** A model as trained, its architecture read off the tensors. */
    public static Loaded load(Path file) {
        return load(file, Pe.AS_TRAINED, null, false);
    }

    /**
     * A model with its positional encoding chosen: {@link Pe#ALIBI} for the paper's retrofitted models (whose
     * pos_embed is zero), {@link Pe#AS_TRAINED} to keep the checkpoint's.
     */
    public static Loaded load(Path file, Pe pe) {
        return load(file, Objects.requireNonNull(pe, "pe"), null, false);
    }

    /**
     * A model that must fit a preset: {@code arch} (a {@link Presets} name) gives the head count and the shapes the
     * tensors must have, instead of reading them off the tensors (heads = width / 64).
     */
    public static Loaded load(Path file, Pe pe, String arch) {
        return load(file, Objects.requireNonNull(pe, "pe"), Objects.requireNonNull(arch, "arch"), false);
    }

    /**
     * @param pe   the positional encoding to use ({@link Pe#ALIBI} for the paper's retrofitted models, whose pos_embed
     *             is zero), or {@link Pe#AS_TRAINED} to keep the checkpoint's
     * @param arch a preset name ({@link Presets}) whose head count and shapes the file must fit, or null to infer
     * @param allowNonFinite load weights that hold NaN or Inf (they make every feature NaN); false refuses them,
     *             naming the first such tensor
     * @throws CheckpointException (a {@link io.jvit.core.io.BadInputException}) for every problem with the file,
     *             naming it; an unknown {@code arch} is an {@link IllegalArgumentException}
     */
    public static Loaded load(Path file, Pe pe, String arch, boolean allowNonFinite) {
        Objects.requireNonNull(pe, "pe");
        ViTConfig preset = arch == null
                ? null
                : Presets.get(arch); // the caller's arguments first: their errors are not the file's
        Safetensors.Contents raw = readContainer(file);
        if (!allowNonFinite) requireFinite(file, raw.tensors());
        try {
            return build(file, raw, preset, arch, pe);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) { // a shape or value the mapping could not use: still the file's problem
            throw new CheckpointException(
                    file, "unusable weights (" + io.jvit.core.io.BadInputException.describe(e) + ")", e);
        }
    }

    private static Loaded build(Path file, Safetensors.Contents raw, ViTConfig preset, String arch, Pe pe) {
        List<String> notes = new ArrayList<>();
        Map<String, INDArray> sd;
        CheckpointFormat format;
        ViTConfig config;
        if (raw.metadata().containsKey(CONFIG_KEY)) {
            format = CheckpointFormat.JVIT;
            sd = raw.tensors();
            config = config(file, raw.metadata());
        } else {
            Map<String, INDArray> backbone = KeyMapping.selectBackbone(file, raw.tensors());
            format = KeyMapping.detect(backbone);
            KeyMapping.Dinov3Buffers v3 = switch (format) {
                case DINOV3_OFFICIAL -> KeyMapping.takeDinov3Buffers(file, backbone);
                case HF_DINOV3 -> KeyMapping.hfDinov3Buffers(backbone);
                default -> null;
            };
            sd = KeyMapping.toCanonical(file, backbone, format);
            config = infer(file, sd, format);
            if (v3 != null) config = dinov3(file, config, sd, format, v3, notes, pe);
        }
        if (preset != null) {
            ViTConfig want = preset.withPe(config.pe());
            String problem = new ViTWeights(sd).mismatch(want);
            if (problem != null)
                throw new CheckpointException(file, "does not fit architecture " + arch + ": " + problem);
            config = want;
        }
        INDArray pos = sd.get(LearnedAbsolute.PARAM);
        if (pe != Pe.AS_TRAINED) {
            int grid = pos != null ? (int) Math.round(Math.sqrt(pos.size(1))) : 37;
            PositionalEncoding chosen = pe.encoding(grid);
            if (chosen instanceof LearnedAbsolute && config.pe() instanceof LearnedAbsolute keep) chosen = keep;
            if (chosen instanceof LearnedAbsolute && pos == null)
                throw new CheckpointException(
                        file, "a learned positional encoding needs a pos_embed, and this checkpoint has none");
            if (!(chosen instanceof LearnedAbsolute)) sd.remove(LearnedAbsolute.PARAM);
            config = config.withPe(chosen);
        } else if (config.pe() instanceof LearnedAbsolute
                && pos != null
                && pos.amaxNumber().doubleValue() == 0.0) {
            notes.add("pos_embed is all zeros: if this is an ALiBi-retrofitted model, load it with Pe.ALIBI");
        }
        ViTWeights weights =
                new ViTWeights(sd).withAlibiSlopes(config, DataType.FLOAT).castTo(DataType.FLOAT);
        String problem = weights.mismatch(config);
        if (problem != null) throw new CheckpointException(file, "shapes do not fit the model: " + problem);
        return new Loaded(new VisionTransformer(config, weights), format, notes);
    }

    /** A model as float arrays (row-major, canonical names), read without ND4J. */
    public record FloatModel(ViTConfig config, Map<String, float[]> weights) {}

    /**
     * Our own {@code .safetensors} (config in the metadata, canonical names, as {@code ./vit init} and {@code ./vit retrofit}
     * write them) read straight into float arrays, without ND4J: what {@code ./vit features} runs on, so that it never
     * loads ND4J's native libraries (about 0.35 s of every run). Returns null for every other file, and when {@code pe}
     * asks for a change of positional encoding: {@link #load} handles those.
     */
    public static FloatModel loadFloats(Path file, Pe pe) {
        return loadFloats(file, Objects.requireNonNull(pe, "pe"), null, false);
    }

    /** {@link #loadFloats(Path, Pe)} for a model that must fit a preset ({@link #load(Path, Pe, String)}). */
    public static FloatModel loadFloats(Path file, Pe pe, String arch) {
        return loadFloats(file, Objects.requireNonNull(pe, "pe"), Objects.requireNonNull(arch, "arch"), false);
    }

    /** {@link #loadFloats(Path, Pe, String)} with {@code arch} null to infer; {@code allowNonFinite} as in {@link #load(Path, Pe, String, boolean)}. */
    public static FloatModel loadFloats(Path file, Pe pe, String arch, boolean allowNonFinite) {
        Objects.requireNonNull(pe, "pe");
        if (!isSafetensors(head(file))) return null;
        if (!Safetensors.metadata(file).containsKey(CONFIG_KEY)) return null;
        Safetensors.FloatContents raw = Safetensors.readFloats(file);
        if (!allowNonFinite)
            for (var e : raw.tensors().entrySet()) {
                int i = firstNonFinite(e.getValue());
                if (i >= 0) throw nonFinite(file, e.getKey(), e.getValue()[i], i);
            }
        ViTConfig config = config(file, raw.metadata());
        if (pe != Pe.AS_TRAINED && !pe.encoding(37).equals(config.pe())) return null;
        if (config.pe() instanceof io.jvit.core.pe.Alibi2d a
                && a.slopes() == io.jvit.core.pe.AlibiSlopes.LEARNED
                && !raw.tensors().containsKey(io.jvit.core.pe.Alibi2d.slopeParam(0)))
            return null; // slopes made by load()
        if (arch != null) {
            ViTConfig want = Presets.get(arch).withPe(config.pe());
            String problem = ViTWeights.mismatch(raw.shapes(), want);
            if (problem != null)
                throw new CheckpointException(file, "does not fit architecture " + arch + ": " + problem);
            config = want;
        }
        String problem = ViTWeights.mismatch(raw.shapes(), config);
        if (problem != null) throw new CheckpointException(file, "shapes do not fit the model: " + problem);
        return new FloatModel(config, raw.tensors());
    }

    /** The config in a jvit checkpoint's metadata; a malformed one is the file's problem. */
    private static ViTConfig config(Path file, Map<String, String> metadata) {
        try {
            return ConfigJson.read(metadata.get(CONFIG_KEY));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "metadata '" + CONFIG_KEY + "': " + e.getMessage(), e);
        }
    }

    /** Refuses NaN and Inf in any floating-point tensor, naming the first one (they would make every feature NaN). */
    private static void requireFinite(Path file, Map<String, INDArray> tensors) {
        for (var e : tensors.entrySet()) {
            INDArray a = e.getValue();
            if (!a.dataType().isFPType() || a.isEmpty()) continue;
            if (a.isNaN().any() || a.isInfinite().any()) {
                float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
                int i = firstNonFinite(v);
                throw nonFinite(file, e.getKey(), i >= 0 ? v[i] : Float.NaN, Math.max(i, 0));
            }
        }
    }

    private static int firstNonFinite(float[] v) {
        for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) return i;
        return -1;
    }

    private static CheckpointException nonFinite(Path file, String tensor, float value, int index) {
        return new CheckpointException(
                file,
                "tensor '" + tensor + "' holds " + value + " (element " + index
                        + "): weights must be finite (--allow-nonfinite, or allowNonFinite in the library, loads them anyway)");
    }

    /** Reads the architecture off the tensors; heads = width / 64 (every DINOv2 model). */
    private static ViTConfig infer(Path file, Map<String, INDArray> sd, CheckpointFormat format) {
        INDArray patch = sd.get("patch_embed.proj.weight");
        if (patch == null || patch.rank() != 4 || patch.size(1) != 3 || patch.size(2) != patch.size(3))
            throw new CheckpointException(
                    file,
                    "patch_embed.proj.weight must be (C, 3, p, p)"
                            + (patch == null ? ", missing" : ", found " + java.util.Arrays.toString(patch.shape())));
        int dim = (int) patch.size(0), p = (int) patch.size(2);
        int depth = 0;
        while (sd.containsKey("blocks." + depth + ".attn.qkv.weight")) depth++;
        if (depth == 0) throw new CheckpointException(file, "no transformer blocks (blocks.0.attn.qkv.weight) found");
        INDArray fc1 = need(file, sd, "blocks.0.mlp.fc1.weight"), fc2 = need(file, sd, "blocks.0.mlp.fc2.weight");
        MlpKind mlp = fc1.size(0) == 2 * fc2.size(1) ? MlpKind.SWIGLU : MlpKind.GELU;
        int hidden = (int) fc2.size(1);
        INDArray reg = sd.get("reg_token");
        int regs = reg == null ? 0 : (int) reg.size(1);
        PositionalEncoding pe = new NoPE();
        INDArray pos = sd.get(LearnedAbsolute.PARAM);
        if (pos != null) {
            long n = pos.size(1);
            if (!KeyMapping.isSquare(n))
                throw new CheckpointException(file, "pos_embed has " + n + " positions, not a square grid");
            int grid = (int) Math.round(Math.sqrt(n));
            // Official DINOv2 without registers (and HF) resample plainly, 0.1 offset; timm and -reg4 with antialias.
            boolean legacy = (format == CheckpointFormat.DINOV2_OFFICIAL && regs == 0)
                    || format == CheckpointFormat.HF_TRANSFORMERS;
            pe = legacy ? new LearnedAbsolute(grid, false, 0.1) : LearnedAbsolute.dinov2(grid);
        }
        if (dim % 64 != 0)
            throw new CheckpointException(
                    file, "width " + dim + " is not a multiple of 64: pass --arch to give the head count");
        return new ViTConfig(
                p,
                dim,
                depth,
                dim / 64,
                mlp,
                hidden,
                sd.containsKey("blocks.0.ls1.gamma"),
                sd.containsKey("cls_token"),
                regs,
                1e-6,
                sd.containsKey("blocks.0.attn.qkv.bias"),
                pe);
    }

    /**
     * A DINOv3 model: LayerNorm eps 1e-5, the k bias masked (and zeroed in the weights, so that nothing can use it), and
     * RoPE with the checkpoint's periods; without {@code rope_embed.periods} (dino-saw's ALiBi-Dv3 layout) no position
     * at all unless {@code pe} chooses one. HF checkpoints carry no periods: transformers recomputes them from base 100.
     */
    private static ViTConfig dinov3(
            Path file,
            ViTConfig c,
            Map<String, INDArray> sd,
            CheckpointFormat format,
            KeyMapping.Dinov3Buffers v3,
            List<String> notes,
            Pe pe) {
        if (sd.containsKey(LearnedAbsolute.PARAM))
            throw new CheckpointException(
                    file,
                    "unexpected key 'pos_embed' in a DINOv3 checkpoint (DINOv3 has no absolute position embedding)");
        PositionalEncoding enc;
        int heads = c.numHeads();
        if (v3.periods() != null) {
            float[] p = v3.periods();
            int headDim = 4 * p.length;
            if (c.embedDim() % headDim != 0)
                throw new CheckpointException(
                        file,
                        "rope_embed.periods has " + p.length + " entries (head width " + headDim
                                + "), which does not divide the width " + c.embedDim());
            heads = c.embedDim() / headDim;
            enc = java.util.Arrays.equals(p, io.jvit.core.pe.Rope2d.formulaPeriods(100, headDim))
                    ? new io.jvit.core.pe.Rope2d(100)
                    : new io.jvit.core.pe.Rope2d(100, io.jvit.core.pe.Rope2d.Coords.SEPARATE, p);
        } else if (format == CheckpointFormat.HF_DINOV3) {
            enc = new io.jvit.core.pe.Rope2d(100);
        } else {
            enc = new NoPE();
            if (pe == Pe.AS_TRAINED)
                notes.add(
                        "no rope_embed.periods: a DINOv3 model without RoPE (dino-saw's ALiBi-Dv3 layout); load it with Pe.ALIBI to run it as the paper does");
        }
        if (v3.maskKBias()) {
            INDArray mask = null;
            for (int b = 0; b < c.depth(); b++) {
                String key = "blocks." + b + ".attn.qkv.bias";
                INDArray bias = sd.get(key);
                if (bias == null) continue;
                if (mask == null) {
                    double[] m = new double[(int) bias.length()];
                    java.util.Arrays.fill(m, 1.0);
                    java.util.Arrays.fill(m, m.length / 3, 2 * m.length / 3, 0.0);
                    mask = org.nd4j.linalg.factory.Nd4j.createFromArray(m)
                            .castTo(bias.dataType())
                            .reshape(bias.shape());
                }
                sd.put(key, bias.mul(mask));
            }
        }
        return new ViTConfig(
                c.patchSize(),
                c.embedDim(),
                c.depth(),
                heads,
                c.mlpKind(),
                c.mlpHidden(),
                c.layerScale(),
                c.clsToken(),
                c.numRegisters(),
                1e-5,
                c.qkvBias(),
                enc,
                v3.maskKBias() && c.qkvBias());
    }

    private static INDArray need(Path file, Map<String, INDArray> sd, String key) {
        INDArray a = sd.get(key);
        if (a == null) throw new CheckpointException(file, "missing key '" + key + "'");
        return a;
    }

    /**
     * {@link #save} for a model held as float arrays (the canonical names of {@link ViTWeights#expectedShapes}), without
     * ND4J: the same file as {@link #save} of the same weights, what {@link #loadFloats} reads back.
     */
    public static void saveFloats(Path file, FloatModel model) throws IOException {
        Map<String, long[]> shapes = ViTWeights.expectedShapes(model.config());
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (String k : shapes.keySet()) {
            float[] w = model.weights().get(k);
            if (w == null) throw new IllegalArgumentException("no weight '" + k + "' for this configuration");
            ordered.put(k, w);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(CONFIG_KEY, ConfigJson.write(model.config()));
        meta.put("format", "pt");
        Safetensors.writeFloats(file, ordered, shapes, meta);
    }

    /** Saves a model as {@code .safetensors} with its config in the metadata, atomically. */
    public static void save(Path file, VisionTransformer model) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(CONFIG_KEY, ConfigJson.write(model.config()));
        meta.put("format", "pt");
        Safetensors.write(file, model.weights().asMap(), meta);
    }
}

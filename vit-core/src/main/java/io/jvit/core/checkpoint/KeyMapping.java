package io.jvit.core.checkpoint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Every checkpoint quirk in one place: rewrites a state dict of any supported naming into the canonical
 * (timm, {@code no_embed_class}) naming that {@link io.jvit.core.model.ViTWeights} uses.
 */
final class KeyMapping {
    private KeyMapping() {}

    /** Keys that carry nothing the backbone's features need. */
    private static final Set<String> IGNORED = Set.of(
            "mask_token",
            "head.weight",
            "head.bias",
            "fc_norm.weight",
            "fc_norm.bias",
            "embeddings.mask_token",
            "pooler.dense.weight",
            "pooler.dense.bias");

    private static final Pattern CHUNKED_BLOCK = Pattern.compile("^blocks\\.\\d+\\.(\\d+)\\.(.*)$");
    private static final Pattern HF_LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.*)$");
    private static final Pattern HF_V3_LAYER = Pattern.compile("^layer\\.(\\d+)\\.(.*)$");
    private static final Pattern V3_BIAS_MASK = Pattern.compile("^blocks\\.(\\d+)\\.attn\\.qkv\\.bias_mask$");
    private static final Pattern V3_SWIGLU = Pattern.compile("^blocks\\.(\\d+)\\.mlp\\.w([12])\\.(weight|bias)$");

    /** DINOv3's buffers: the RoPE periods ({@code rope_embed.periods}, null when absent) and whether the k bias is masked. */
    record Dinov3Buffers(float[] periods, boolean maskKBias) {}

    /** Picks the sub-dict that holds the backbone ({@code model.}, {@code module.}, {@code teacher.backbone.}, …). */
    static Map<String, INDArray> selectBackbone(Path file, Map<String, INDArray> raw) {
        for (String anchor : new String[] {
            "patch_embed.proj.weight",
            "embeddings.patch_embeddings.projection.weight",
            "embeddings.patch_embeddings.weight"
        }) {
            String prefix = null;
            for (String k : raw.keySet())
                if (k.endsWith(anchor) && (prefix == null || k.length() < prefix.length() + anchor.length()))
                    prefix = k.substring(0, k.length() - anchor.length());
            if (prefix == null) continue;
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (var e : raw.entrySet())
                if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
            return out;
        }
        throw new CheckpointException(
                file,
                "no ViT backbone found: no key ends in 'patch_embed.proj.weight' or "
                        + "'embeddings.patch_embeddings.projection.weight' (keys start: " + preview(raw.keySet())
                        + ")");
    }

    static CheckpointFormat detect(Map<String, INDArray> sd) {
        if (sd.containsKey("embeddings.patch_embeddings.projection.weight")) return CheckpointFormat.HF_TRANSFORMERS;
        if (sd.containsKey("embeddings.patch_embeddings.weight")) return CheckpointFormat.HF_DINOV3;
        if (sd.containsKey("storage_tokens") || sd.containsKey("rope_embed.periods"))
            return CheckpointFormat.DINOV3_OFFICIAL;
        for (String k : sd.keySet())
            if (V3_BIAS_MASK.matcher(k).matches() || V3_SWIGLU.matcher(k).matches())
                return CheckpointFormat.DINOV3_OFFICIAL;
        if (sd.containsKey("register_tokens") || sd.containsKey("mask_token")) return CheckpointFormat.DINOV2_OFFICIAL;
        for (String k : sd.keySet())
            if (k.contains(".mlp.w12.") || CHUNKED_BLOCK.matcher(k).matches()) return CheckpointFormat.DINOV2_OFFICIAL;
        return CheckpointFormat.TIMM;
    }

    /** Canonical state dict. Unknown keys are an error that names them. */
    static Map<String, INDArray> toCanonical(Path file, Map<String, INDArray> sd, CheckpointFormat format) {
        Map<String, INDArray> in = switch (format) {
            case HF_TRANSFORMERS -> fromHf(file, sd);
            case HF_DINOV3 -> fromHfDinov3(file, sd);
            case DINOV3_OFFICIAL -> fromDinov3(file, sd);
            default -> sd;
        };
        Map<String, INDArray> out = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (var e : in.entrySet()) {
            String k = e.getKey();
            if (IGNORED.contains(k)) continue;
            Matcher m = CHUNKED_BLOCK.matcher(k);
            if (m.matches()) k = "blocks." + m.group(1) + "." + m.group(2); // BlockChunk: blocks.<chunk>.<i>.…
            k = k.replace(".mlp.w12.", ".mlp.fc1.").replace(".mlp.w3.", ".mlp.fc2.");
            if (k.equals("register_tokens")) k = "reg_token";
            if (!isCanonical(k)) {
                unknown.add(e.getKey());
                continue;
            }
            out.put(k, e.getValue());
        }
        if (!unknown.isEmpty())
            throw new CheckpointException(
                    file, "unknown key(s) for a " + format + " ViT checkpoint: " + preview(unknown));
        foldClassPosition(out);
        return out;
    }

    /**
     * A pos_embed with one more entry than a square grid includes the CLS position (official DINOv2, timm
     * without no_embed_class): add it to the CLS token, as timm's DINOv2 conversion does, and keep the patches.
     */
    private static void foldClassPosition(Map<String, INDArray> sd) {
        INDArray pos = sd.get("pos_embed");
        if (pos == null || pos.rank() != 3) return;
        long n = pos.size(1);
        if (isSquare(n) || !isSquare(n - 1) || !sd.containsKey("cls_token")) return;
        INDArray clsPos = pos.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1), NDArrayIndex.all());
        sd.put("cls_token", sd.get("cls_token").add(clsPos));
        sd.put(
                "pos_embed",
                pos.get(NDArrayIndex.all(), NDArrayIndex.interval(1, n), NDArrayIndex.all())
                        .dup('c'));
    }

    static boolean isSquare(long n) {
        long r = Math.round(Math.sqrt(n));
        return r * r == n;
    }

    private static final Pattern CANONICAL =
            Pattern.compile("^(cls_token|reg_token|pos_embed|patch_embed\\.proj\\.(weight|bias)|norm\\.(weight|bias)"
                    + "|blocks\\.\\d+\\.(norm1|norm2|attn\\.qkv|attn\\.proj|mlp\\.fc1|mlp\\.fc2)\\.(weight|bias)"
                    + "|blocks\\.\\d+\\.(ls1|ls2)\\.gamma|blocks\\.\\d+\\.attn\\.alibi_slopes)$");

    static boolean isCanonical(String k) {
        return CANONICAL.matcher(k).matches();
    }

    /** HuggingFace Dinov2Model → official-like names; query/key/value are stacked into qkv. */
    private static Map<String, INDArray> fromHf(Path file, Map<String, INDArray> sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Map<String, INDArray[]> qkv = new LinkedHashMap<>();
        for (var e : sd.entrySet()) {
            String k = e.getKey();
            INDArray v = e.getValue();
            String mapped = switch (k) {
                case "embeddings.cls_token" -> "cls_token";
                case "embeddings.register_tokens" -> "reg_token";
                case "embeddings.position_embeddings" -> "pos_embed";
                case "embeddings.patch_embeddings.projection.weight" -> "patch_embed.proj.weight";
                case "embeddings.patch_embeddings.projection.bias" -> "patch_embed.proj.bias";
                case "layernorm.weight" -> "norm.weight";
                case "layernorm.bias" -> "norm.bias";
                default -> null;
            };
            Matcher m = HF_LAYER.matcher(k);
            if (mapped == null && m.matches()) {
                String b = "blocks." + m.group(1) + ".", rest = m.group(2);
                int slot = rest.startsWith("attention.attention.query.")
                        ? 0
                        : rest.startsWith("attention.attention.key.")
                                ? 1
                                : rest.startsWith("attention.attention.value.") ? 2 : -1;
                if (slot >= 0) {
                    String kind = rest.substring(rest.lastIndexOf('.') + 1);
                    qkv.computeIfAbsent(b + "attn.qkv." + kind, x -> new INDArray[3])[slot] = v;
                    continue;
                }
                mapped = b
                        + rest.replace("attention.output.dense.", "attn.proj.")
                                .replace("layer_scale1.lambda1", "ls1.gamma")
                                .replace("layer_scale2.lambda1", "ls2.gamma")
                                .replace("mlp.weights_in.", "mlp.fc1.")
                                .replace("mlp.weights_out.", "mlp.fc2.");
            }
            out.put(mapped == null ? k : mapped, v);
        }
        for (var e : qkv.entrySet()) {
            INDArray[] p = e.getValue();
            if (p[0] == null || p[1] == null || p[2] == null)
                throw new CheckpointException(file, "incomplete query/key/value for " + e.getKey());
            out.put(e.getKey(), Nd4j.concat(0, p[0], p[1], p[2]));
        }
        return out;
    }

    /**
     * Takes DINOv3's buffers out of an official-layout state dict (which it changes): {@code rope_embed.periods} and every
     * block's {@code attn.qkv.bias_mask}, which must be 1 on the q and v thirds and 0 on the k third, on every block or none.
     */
    static Dinov3Buffers takeDinov3Buffers(Path file, Map<String, INDArray> sd) {
        INDArray per = sd.remove("rope_embed.periods");
        float[] periods = null;
        if (per != null) {
            if (per.rank() != 1 || per.length() == 0)
                throw new CheckpointException(
                        file,
                        "rope_embed.periods must be a 1-D tensor, found shape "
                                + java.util.Arrays.toString(per.shape()));
            periods = per.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
        }
        Set<Integer> masked = new TreeSet<>();
        for (String k : java.util.List.copyOf(sd.keySet())) {
            Matcher m = V3_BIAS_MASK.matcher(k);
            if (!m.matches()) continue;
            int block = Integer.parseInt(m.group(1));
            INDArray w = sd.get("blocks." + block + ".attn.qkv.weight");
            if (w == null || !sd.containsKey("blocks." + block + ".attn.qkv.bias"))
                throw new CheckpointException(
                        file, "unexpected key '" + k + "': block " + block + " has no qkv weight and bias");
            checkBiasMask(file, k, sd.remove(k), w.size(0));
            masked.add(block);
        }
        if (!masked.isEmpty())
            for (int b = 0; sd.containsKey("blocks." + b + ".attn.qkv.weight"); b++)
                if (!masked.contains(b))
                    throw new CheckpointException(
                            file,
                            "missing key 'blocks." + b + ".attn.qkv.bias_mask'"
                                    + " (the other blocks mask their k bias)");
        return new Dinov3Buffers(periods, !masked.isEmpty());
    }

    /** What an HF DINOv3ViTModel says of the same: no periods (recomputed), and a masked k bias when q has a bias and k has none. */
    static Dinov3Buffers hfDinov3Buffers(Map<String, INDArray> sd) {
        boolean q = false, k = false;
        for (String key : sd.keySet()) {
            Matcher m = HF_V3_LAYER.matcher(key);
            if (!m.matches()) continue;
            q |= m.group(2).equals("attention.q_proj.bias");
            k |= m.group(2).equals("attention.k_proj.bias");
        }
        return new Dinov3Buffers(null, q && !k);
    }

    /** A bias_mask must be (3C) with 1 on the q and v thirds and 0 on the k third (DINOv3's LinearKMaskedBias). */
    private static void checkBiasMask(Path file, String key, INDArray mask, long width) {
        if (mask.rank() != 1 || mask.length() != width || width % 3 != 0)
            throw new CheckpointException(
                    file,
                    "key '" + key + "' has shape " + java.util.Arrays.toString(mask.shape()) + ", expected [" + width
                            + "]");
        double[] v = mask.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        long c = width / 3;
        for (int i = 0; i < v.length; i++) {
            double want = i >= c && i < 2 * c ? 0 : 1;
            if (v[i] != want)
                throw new CheckpointException(
                        file,
                        "key '" + key + "' is not a k-bias mask (1 on q and v, 0 on k): entry " + i + " is " + v[i]);
        }
    }

    /** Official DINOv3 names → canonical: storage_tokens → reg_token, SwiGLU w1 and w2 stacked into fc1 (w3 → fc2 below). */
    private static Map<String, INDArray> fromDinov3(Path file, Map<String, INDArray> sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Map<String, INDArray[]> w12 = new LinkedHashMap<>();
        for (var e : sd.entrySet()) {
            String k = e.getKey();
            Matcher m = V3_SWIGLU.matcher(k);
            if (m.matches()) {
                String key = "blocks." + m.group(1) + ".mlp.fc1." + m.group(3);
                w12.computeIfAbsent(key, x -> new INDArray[2])[Integer.parseInt(m.group(2)) - 1] = e.getValue();
                out.put(key, null); // keeps the key order
                continue;
            }
            out.put(k.equals("storage_tokens") ? "reg_token" : k, e.getValue());
        }
        for (var e : w12.entrySet()) {
            INDArray[] p = e.getValue();
            String base = e.getKey().replace(".mlp.fc1.", ".mlp.w");
            if (p[0] == null || p[1] == null)
                throw new CheckpointException(
                        file, "missing key '" + base.replace(".mlp.w", ".mlp.w" + (p[0] == null ? 1 : 2) + ".") + "'");
            if (p[0].rank() != p[1].rank() || !java.util.Arrays.equals(p[0].shape(), p[1].shape()))
                throw new CheckpointException(
                        file,
                        "keys '" + base.replace(".mlp.w", ".mlp.w1.") + "' and '" + base.replace(".mlp.w", ".mlp.w2.")
                                + "' differ in shape: " + java.util.Arrays.toString(p[0].shape()) + " vs "
                                + java.util.Arrays.toString(p[1].shape()));
            out.put(e.getKey(), Nd4j.concat(0, p[0], p[1])); // silu(w1·x) ⊙ w2·x = silu(first half) ⊙ second half
        }
        return out;
    }

    /**
     * HuggingFace DINOv3ViTModel → canonical names: q/k/v projections stacked into qkv (a missing k bias, transformers'
     * {@code key_bias=False}, becomes zeros), o_proj → proj, layer_scale*.lambda1 → ls*.gamma, gate/up/down → fc1 (gate
     * and up stacked) and fc2, or up/down → fc1/fc2 for the GELU MLP.
     */
    private static Map<String, INDArray> fromHfDinov3(Path file, Map<String, INDArray> sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Map<String, INDArray[]> stacks = new LinkedHashMap<>();
        Set<String> gated = new TreeSet<>();
        for (String k : sd.keySet()) {
            Matcher m = HF_V3_LAYER.matcher(k);
            if (m.matches() && m.group(2).startsWith("mlp.gate_proj.")) gated.add(m.group(1));
        }
        for (var e : sd.entrySet()) {
            String k = e.getKey();
            INDArray v = e.getValue();
            String mapped = switch (k) {
                case "embeddings.cls_token" -> "cls_token";
                case "embeddings.register_tokens" -> "reg_token";
                case "embeddings.patch_embeddings.weight" -> "patch_embed.proj.weight";
                case "embeddings.patch_embeddings.bias" -> "patch_embed.proj.bias";
                case "rope_embeddings.inv_freq" -> ""; // non-persistent; recomputed
                default -> null;
            };
            Matcher m = HF_V3_LAYER.matcher(k);
            if (mapped == null && m.matches()) {
                String b = "blocks." + m.group(1) + ".",
                        rest = m.group(2),
                        kind = rest.substring(rest.lastIndexOf('.') + 1);
                int slot = rest.startsWith("attention.q_proj.")
                        ? 0
                        : rest.startsWith("attention.k_proj.") ? 1 : rest.startsWith("attention.v_proj.") ? 2 : -1;
                boolean isGated = gated.contains(m.group(1));
                int mlpSlot = isGated && rest.startsWith("mlp.gate_proj.")
                        ? 0
                        : isGated && rest.startsWith("mlp.up_proj.") ? 1 : -1;
                if (slot >= 0) {
                    String key = b + "attn.qkv." + kind;
                    stacks.computeIfAbsent(key, x -> new INDArray[3])[slot] = v;
                    out.put(key, null);
                    continue;
                }
                if (mlpSlot >= 0) {
                    String key = b + "mlp.fc1." + kind;
                    stacks.computeIfAbsent(key, x -> new INDArray[2])[mlpSlot] = v;
                    out.put(key, null);
                    continue;
                }
                mapped = b
                        + rest.replace("attention.o_proj.", "attn.proj.")
                                .replace("layer_scale1.lambda1", "ls1.gamma")
                                .replace("layer_scale2.lambda1", "ls2.gamma")
                                .replace("mlp.up_proj.", "mlp.fc1.")
                                .replace("mlp.down_proj.", "mlp.fc2.");
            }
            if (mapped != null && mapped.isEmpty()) continue;
            out.put(mapped == null ? k : mapped, v);
        }
        for (var e : stacks.entrySet()) {
            INDArray[] p = e.getValue();
            String key = e.getKey(), b = key.substring(0, key.indexOf(key.contains(".attn.") ? ".attn." : ".mlp.") + 1);
            String kind = key.substring(key.lastIndexOf('.') + 1);
            String hf = "layer." + b.substring("blocks.".length());
            if (p.length == 3) {
                String[] names = {"q_proj", "k_proj", "v_proj"};
                for (int i = 0; i < 3; i++)
                    if (p[i] == null && !(i == 1 && kind.equals("bias")))
                        throw new CheckpointException(
                                file, "missing key '" + hf + "attention." + names[i] + "." + kind + "'");
                if (p[1] == null) p[1] = Nd4j.zerosLike(p[0]); // key_bias=False: the k bias is zero
            } else {
                String[] names = {"gate_proj", "up_proj"};
                for (int i = 0; i < 2; i++)
                    if (p[i] == null)
                        throw new CheckpointException(
                                file, "missing key '" + hf + "mlp." + names[i] + "." + kind + "'");
            }
            out.put(key, Nd4j.concat(0, p));
        }
        return out;
    }

    static String preview(java.util.Collection<String> keys) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (String k : keys) {
            if (i++ == 6) {
                b.append(", … (").append(keys.size()).append(" in all)");
                break;
            }
            if (b.length() > 0) b.append(", ");
            b.append(k);
        }
        return b.toString();
    }
}

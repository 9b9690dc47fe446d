package io.jvit.core.checkpoint;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every checkpoint quirk in one place: rewrites a state dict of any supported naming into the canonical
 * (timm, {@code no_embed_class}) naming that {@link io.jvit.core.model.ViTWeights} uses.
 */
final class KeyMapping {
    private KeyMapping() {}

    /** Keys that carry nothing the backbone's features need. */
    private static final Set<String> IGNORED = Set.of("mask_token", "head.weight", "head.bias",
            "fc_norm.weight", "fc_norm.bias", "embeddings.mask_token", "pooler.dense.weight", "pooler.dense.bias");

    private static final Pattern CHUNKED_BLOCK = Pattern.compile("^blocks\\.\\d+\\.(\\d+)\\.(.*)$");
    private static final Pattern HF_LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.*)$");

    /** Picks the sub-dict that holds the backbone ({@code model.}, {@code module.}, {@code teacher.backbone.}, …). */
    static Map<String, INDArray> selectBackbone(Path file, Map<String, INDArray> raw) {
        for (String anchor : new String[]{"patch_embed.proj.weight", "embeddings.patch_embeddings.projection.weight"}) {
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
        throw new CheckpointException(file, "no ViT backbone found: no key ends in 'patch_embed.proj.weight' or "
                + "'embeddings.patch_embeddings.projection.weight' (keys start: " + preview(raw.keySet()) + ")");
    }

    static CheckpointFormat detect(Map<String, INDArray> sd) {
        if (sd.containsKey("embeddings.patch_embeddings.projection.weight")) return CheckpointFormat.HF_TRANSFORMERS;
        if (sd.containsKey("register_tokens") || sd.containsKey("mask_token")) return CheckpointFormat.DINOV2_OFFICIAL;
        for (String k : sd.keySet()) if (k.contains(".mlp.w12.") || CHUNKED_BLOCK.matcher(k).matches()) return CheckpointFormat.DINOV2_OFFICIAL;
        return CheckpointFormat.TIMM;
    }

    /** Canonical state dict. Unknown keys are an error that names them. */
    static Map<String, INDArray> toCanonical(Path file, Map<String, INDArray> sd, CheckpointFormat format) {
        Map<String, INDArray> in = format == CheckpointFormat.HF_TRANSFORMERS ? fromHf(file, sd) : sd;
        Map<String, INDArray> out = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (var e : in.entrySet()) {
            String k = e.getKey();
            if (IGNORED.contains(k)) continue;
            Matcher m = CHUNKED_BLOCK.matcher(k);
            if (m.matches()) k = "blocks." + m.group(1) + "." + m.group(2);       // BlockChunk: blocks.<chunk>.<i>.…
            k = k.replace(".mlp.w12.", ".mlp.fc1.").replace(".mlp.w3.", ".mlp.fc2.");
            if (k.equals("register_tokens")) k = "reg_token";
            if (!isCanonical(k)) {
                unknown.add(e.getKey());
                continue;
            }
            out.put(k, e.getValue());
        }
        if (!unknown.isEmpty())
            throw new CheckpointException(file, "unknown key(s) for a " + format + " ViT checkpoint: " + preview(unknown));
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
        sd.put("pos_embed", pos.get(NDArrayIndex.all(), NDArrayIndex.interval(1, n), NDArrayIndex.all()).dup('c'));
    }

    static boolean isSquare(long n) {
        long r = Math.round(Math.sqrt(n));
        return r * r == n;
    }

    private static final Pattern CANONICAL = Pattern.compile(
            "^(cls_token|reg_token|pos_embed|patch_embed\\.proj\\.(weight|bias)|norm\\.(weight|bias)"
                    + "|blocks\\.\\d+\\.(norm1|norm2|attn\\.qkv|attn\\.proj|mlp\\.fc1|mlp\\.fc2)\\.(weight|bias)"
                    + "|blocks\\.\\d+\\.(ls1|ls2)\\.gamma|blocks\\.\\d+\\.attn\\.alibi_slopes)$");

    static boolean isCanonical(String k) { return CANONICAL.matcher(k).matches(); }

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
                int slot = rest.startsWith("attention.attention.query.") ? 0 : rest.startsWith("attention.attention.key.") ? 1
                        : rest.startsWith("attention.attention.value.") ? 2 : -1;
                if (slot >= 0) {
                    String kind = rest.substring(rest.lastIndexOf('.') + 1);
                    qkv.computeIfAbsent(b + "attn.qkv." + kind, x -> new INDArray[3])[slot] = v;
                    continue;
                }
                mapped = b + rest.replace("attention.output.dense.", "attn.proj.")
                        .replace("layer_scale1.lambda1", "ls1.gamma").replace("layer_scale2.lambda1", "ls2.gamma")
                        .replace("mlp.weights_in.", "mlp.fc1.").replace("mlp.weights_out.", "mlp.fc2.");
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

    static String preview(java.util.Collection<String> keys) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (String k : keys) {
            if (i++ == 6) { b.append(", … (").append(keys.size()).append(" in all)"); break; }
            if (b.length() > 0) b.append(", ");
            b.append(k);
        }
        return b.toString();
    }
}

package io.jvit.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.core.pe.Rope2d;
import io.jvit.core.pe.SinCos2d;

/** A config as JSON, stored in the metadata of the checkpoints this library writes. */
public final class ConfigJson {
    private ConfigJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static String write(ViTConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("patch_size", c.patchSize()).put("embed_dim", c.embedDim()).put("depth", c.depth())
                .put("num_heads", c.numHeads()).put("mlp", c.mlpKind().name()).put("mlp_hidden", c.mlpHidden())
                .put("layer_scale", c.layerScale()).put("cls_token", c.clsToken()).put("num_registers", c.numRegisters())
                .put("layer_norm_eps", c.layerNormEps()).put("qkv_bias", c.qkvBias()).put("mask_k_bias", c.maskKBias());
        ObjectNode pe = o.putObject("pe").put("kind", c.pe().name());
        PositionalEncoding p = c.pe();
        if (p instanceof LearnedAbsolute l)
            pe.put("grid", l.gridSize()).put("antialias", l.antialias()).put("offset", l.interpolateOffset());
        else if (p instanceof SinCos2d s) pe.put("temperature", s.temperature());
        else if (p instanceof Rope2d r) {
            pe.put("base", r.base()).put("coords", r.coords().label());
            if (r.periods() != null) {
                var arr = pe.putArray("periods");
                for (float f : r.periods()) arr.add(f);
            }
        }
        else if (p instanceof Alibi2d a)
            pe.put("metric", a.metric().name()).put("wrap", a.wrap()).put("normalise", a.normalise()).put("slopes", a.slopes().name());
        return o.toString();
    }

    public static ViTConfig read(String json) {
        try {
            JsonNode o = JSON.readTree(json);
            JsonNode pe = o.get("pe");
            PositionalEncoding p = switch (pe.get("kind").asText()) {
                case "learned" -> new LearnedAbsolute(pe.get("grid").asInt(), pe.get("antialias").asBoolean(), pe.get("offset").asDouble());
                case "sincos" -> new SinCos2d(pe.get("temperature").asDouble());
                case "rope" -> new Rope2d(pe.get("base").asDouble(),
                        pe.has("coords") ? Rope2d.Coords.parse(pe.get("coords").asText()) : Rope2d.Coords.SEPARATE,
                        pe.has("periods") ? floats(pe.get("periods")) : null);
                case "alibi" -> new Alibi2d(AlibiDistance.Metric.valueOf(pe.get("metric").asText()), pe.get("wrap").asBoolean(),
                        pe.get("normalise").asBoolean(), AlibiSlopes.valueOf(pe.get("slopes").asText()));
                case "none" -> new io.jvit.core.pe.NoPE();
                default -> throw new IllegalArgumentException("unknown pe kind " + pe.get("kind"));
            };
            return new ViTConfig(o.get("patch_size").asInt(), o.get("embed_dim").asInt(), o.get("depth").asInt(),
                    o.get("num_heads").asInt(), MlpKind.valueOf(o.get("mlp").asText()), o.get("mlp_hidden").asInt(),
                    o.get("layer_scale").asBoolean(), o.get("cls_token").asBoolean(), o.get("num_registers").asInt(),
                    o.get("layer_norm_eps").asDouble(), o.get("qkv_bias").asBoolean(), p,
                    o.has("mask_k_bias") && o.get("mask_k_bias").asBoolean());
        } catch (Exception e) {
            throw new IllegalArgumentException("invalid model config JSON: " + e.getMessage(), e);
        }
    }

    private static float[] floats(JsonNode a) {
        if (!a.isArray()) throw new IllegalArgumentException("periods must be an array");
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }
}

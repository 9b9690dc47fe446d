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
        o.put("patch_size", c.patchSize())
                .put("embed_dim", c.embedDim())
                .put("depth", c.depth())
                .put("num_heads", c.numHeads())
                .put("mlp", c.mlpKind().name())
                .put("mlp_hidden", c.mlpHidden())
                .put("layer_scale", c.layerScale())
                .put("cls_token", c.clsToken())
                .put("num_registers", c.numRegisters())
                .put("layer_norm_eps", c.layerNormEps())
                .put("qkv_bias", c.qkvBias())
                .put("mask_k_bias", c.maskKBias());
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
        } else if (p instanceof Alibi2d a)
            pe.put("metric", a.metric().name())
                    .put("wrap", a.wrap())
                    .put("normalise", a.normalise())
                    .put("slopes", a.slopes().name());
        return o.toString();
    }

    /** @throws IllegalArgumentException naming the missing or malformed field */
    public static ViTConfig read(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("invalid model config JSON", e);
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("model config is not a JSON object");
        try {
            JsonNode pe = need(o, "pe");
            PositionalEncoding p = switch (need(pe, "kind").asText()) {
                case "learned" ->
                    new LearnedAbsolute(
                            need(pe, "grid").asInt(),
                            need(pe, "antialias").asBoolean(),
                            need(pe, "offset").asDouble());
                case "sincos" -> new SinCos2d(need(pe, "temperature").asDouble());
                case "rope" ->
                    new Rope2d(
                            need(pe, "base").asDouble(),
                            pe.has("coords")
                                    ? Rope2d.Coords.parse(pe.get("coords").asText())
                                    : Rope2d.Coords.SEPARATE,
                            pe.has("periods") ? floats(pe.get("periods")) : null);
                case "alibi" ->
                    new Alibi2d(
                            AlibiDistance.Metric.valueOf(need(pe, "metric").asText()),
                            need(pe, "wrap").asBoolean(),
                            need(pe, "normalise").asBoolean(),
                            AlibiSlopes.valueOf(need(pe, "slopes").asText()));
                case "none" -> new io.jvit.core.pe.NoPE();
                default -> throw new IllegalArgumentException("unknown pe kind " + pe.get("kind"));
            };
            return new ViTConfig(
                    need(o, "patch_size").asInt(),
                    need(o, "embed_dim").asInt(),
                    need(o, "depth").asInt(),
                    need(o, "num_heads").asInt(),
                    MlpKind.valueOf(need(o, "mlp").asText()),
                    need(o, "mlp_hidden").asInt(),
                    need(o, "layer_scale").asBoolean(),
                    need(o, "cls_token").asBoolean(),
                    need(o, "num_registers").asInt(),
                    need(o, "layer_norm_eps").asDouble(),
                    need(o, "qkv_bias").asBoolean(),
                    p,
                    o.has("mask_k_bias") && o.get("mask_k_bias").asBoolean()); // absent in JSON written before DINOv3
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid model config: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "invalid model config (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static JsonNode need(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("field '" + field + "' is missing");
        return v;
    }

    private static float[] floats(JsonNode a) {
        if (!a.isArray()) throw new IllegalArgumentException("field 'periods' is not an array");
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }
}

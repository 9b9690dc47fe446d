package io.jvit.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.Fixtures;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.Pe;
import io.jvit.core.pe.Rope2d;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The official DINOv3 hub layout, dino-saw's ALiBi-Dv3 layout and transformers' DINOv3ViTModel naming all load, and refuse what does not fit. */
class Dinov3CheckpointTest {
    static final String OFFICIAL = "dinov3_vits16plus_d2.pth", ALIBI = "alibi_dv3_vits16plus_d2.pth";
    static final ViTConfig D2 =
            Presets.get("dinov3_vits16plus").toBuilder().depth(2).build();

    @TempDir
    Path dir;

    @Test
    void officialLayoutIsReadAsTrained() {
        Checkpoints.Loaded m = Checkpoints.load(Fixtures.dinov3(OFFICIAL));
        assertThat(m.format()).isEqualTo(CheckpointFormat.DINOV3_OFFICIAL);
        assertThat(m.model().config()).isEqualTo(D2);
        assertThat(m.notes()).isEmpty();
        var w = m.model().weights();
        assertThat(w.get("reg_token").shape()).containsExactly(1, 4, 384);
        assertThat(w.get("blocks.0.mlp.fc1.weight").shape()).containsExactly(3072, 384); // w1 then w2
        Map<String, INDArray> raw = Checkpoints.readTensors(Fixtures.dinov3(OFFICIAL));
        assertThat(raw).hasSize(42);
        assertThat(w.get("blocks.1.mlp.fc1.weight"))
                .isEqualTo(Nd4j.concat(0, raw.get("blocks.1.mlp.w1.weight"), raw.get("blocks.1.mlp.w2.weight")));
        assertThat(w.get("blocks.1.mlp.fc2.weight")).isEqualTo(raw.get("blocks.1.mlp.w3.weight"));
        assertThat(w.get("reg_token")).isEqualTo(raw.get("storage_tokens"));
        // the k third of the bias is zeroed (bias ⊙ bias_mask); q and v are kept
        INDArray bias = w.get("blocks.0.attn.qkv.bias"), rawBias = raw.get("blocks.0.attn.qkv.bias");
        assertThat(rawBias.get(NDArrayIndex.interval(384, 768)).amaxNumber().doubleValue())
                .isGreaterThan(0);
        assertThat(bias.get(NDArrayIndex.interval(384, 768)).amaxNumber().doubleValue())
                .isZero();
        assertThat(bias.get(NDArrayIndex.interval(0, 384))).isEqualTo(rawBias.get(NDArrayIndex.interval(0, 384)));
        assertThat(bias.get(NDArrayIndex.interval(768, 1152))).isEqualTo(rawBias.get(NDArrayIndex.interval(768, 1152)));
        // --arch checks the shapes against the preset (12 blocks there)
        assertThatThrownBy(() -> Checkpoints.load(Fixtures.dinov3(OFFICIAL), Pe.AS_TRAINED, "dinov3_vits16plus"))
                .hasMessageContaining(OFFICIAL)
                .hasMessageContaining("does not fit architecture dinov3_vits16plus")
                .hasMessageContaining("missing key 'blocks.2.norm1.weight'");
        assertThatThrownBy(() -> Checkpoints.load(Fixtures.dinov3(OFFICIAL), Pe.AS_TRAINED, "dinov3_vits16"))
                .hasMessageContaining("blocks.0.mlp.fc1.weight");
    }

    @Test
    void alibiLayoutNeedsAlibiChosen() {
        Checkpoints.Loaded plain = Checkpoints.load(Fixtures.dinov3(ALIBI));
        assertThat(plain.format()).isEqualTo(CheckpointFormat.DINOV3_OFFICIAL);
        assertThat(Checkpoints.readTensors(Fixtures.dinov3(ALIBI))).hasSize(41).containsKey("model.cls_token");
        assertThat(plain.model().config()).isEqualTo(D2.withPe(new NoPE()));
        assertThat(plain.notes()).singleElement().asString().contains("Pe.ALIBI");
        Checkpoints.Loaded alibi = Checkpoints.load(Fixtures.dinov3(ALIBI), Pe.ALIBI);
        assertThat(alibi.model().config()).isEqualTo(D2.withPe(Alibi2d.paperDefault()));
        assertThat(alibi.notes()).isEmpty();
    }

    @Test
    void otherPrefixesOfDinoSawAreStripped() throws Exception {
        Map<String, INDArray> raw = Checkpoints.readTensors(Fixtures.dinov3(ALIBI));
        for (String prefix : new String[] {"vit.", ""}) {
            Map<String, INDArray> sd = new LinkedHashMap<>();
            raw.forEach((k, v) -> sd.put(prefix + k.substring("model.".length()), v));
            Path f = dir.resolve("p" + prefix.length() + ".safetensors");
            Safetensors.write(f, sd, Map.of());
            Checkpoints.Loaded m = Checkpoints.load(f, Pe.ALIBI);
            assertThat(m.model().config()).isEqualTo(D2.withPe(Alibi2d.paperDefault()));
            assertThat(m.model().weights().get("blocks.1.attn.qkv.weight"))
                    .isEqualTo(raw.get("model.blocks.1.attn.qkv.weight"));
        }
    }

    /** transformers' convert_dinov3_vit_to_hf.py, for these keys: the official tensors under DINOv3ViTModel names. */
    static Map<String, INDArray> toHf(Map<String, INDArray> off) {
        Map<String, INDArray> hf = new LinkedHashMap<>();
        off.forEach((k, v) -> {
            if (k.equals("rope_embed.periods") || k.endsWith(".bias_mask")) return; // dropped by the converter
            if (k.equals("mask_token")) {
                hf.put("embeddings.mask_token", v.reshape(1, 1, v.size(1)));
                return;
            }
            String n = k.replace("cls_token", "embeddings.cls_token")
                    .replace("storage_tokens", "embeddings.register_tokens")
                    .replace("patch_embed.proj", "embeddings.patch_embeddings")
                    .replaceAll("^blocks\\.(\\d+)\\.", "layer.$1.")
                    .replace("attn.proj", "attention.o_proj")
                    .replace("ls1.gamma", "layer_scale1.lambda1")
                    .replace("ls2.gamma", "layer_scale2.lambda1")
                    .replace("mlp.w1", "mlp.gate_proj")
                    .replace("mlp.w2", "mlp.up_proj")
                    .replace("mlp.w3", "mlp.down_proj");
            if (n.contains("attn.qkv")) {
                long c = v.size(0) / 3;
                String[] names = {"q_proj", "k_proj", "v_proj"};
                for (int i = 0; i < 3; i++) {
                    if (i == 1 && n.endsWith(".bias")) continue; // key_bias=False
                    INDArray part =
                            v.get(NDArrayIndex.interval(i * c, (i + 1) * c)).dup();
                    hf.put(n.replace("attn.qkv", "attention." + names[i]), part);
                }
                return;
            }
            hf.put(n, v);
        });
        return hf;
    }

    @Test
    void huggingFaceNamingGivesTheSameModel() throws Exception {
        Map<String, INDArray> hf = toHf(Checkpoints.readTensors(Fixtures.dinov3(OFFICIAL)));
        assertThat(hf)
                .containsKeys(
                        "layer.0.attention.q_proj.weight",
                        "layer.1.mlp.gate_proj.bias",
                        "embeddings.patch_embeddings.weight")
                .doesNotContainKeys("layer.0.attention.k_proj.bias");
        Path f = dir.resolve("model.safetensors");
        Safetensors.write(f, hf, Map.of("format", "pt"));
        Checkpoints.Loaded h = Checkpoints.load(f);
        Checkpoints.Loaded o = Checkpoints.load(Fixtures.dinov3(OFFICIAL));
        assertThat(h.format()).isEqualTo(CheckpointFormat.HF_DINOV3);
        assertThat(h.model().config()).isEqualTo(o.model().config());
        Map<String, INDArray> hw = h.model().weights().asMap(),
                ow = o.model().weights().asMap();
        assertThat(hw.keySet()).containsExactlyInAnyOrderElementsOf(ow.keySet());
        ow.forEach((k, v) -> assertThat(hw.get(k)).as(k).isEqualTo(v));
        INDArray x = new Preprocessor(16, Preprocessor.ResizePolicy.NONE)
                .tensor(ImageLoader.read(Fixtures.dinov3("colorwheel_192x288.png")));
        assertThat(h.model().forward(x).patchTokens())
                .isEqualTo(o.model().forward(x).patchTokens());
        // the ViT-S layout of transformers (GELU MLP: up/down_proj) maps to fc1/fc2
        Map<String, INDArray> gelu = new LinkedHashMap<>();
        hf.forEach((k, v) -> {
            if (k.contains("mlp.gate_proj")) return;
            gelu.put(k, v);
        });
        Path g = dir.resolve("gelu.safetensors");
        Safetensors.write(g, gelu, Map.of());
        VisionTransformer s = Checkpoints.load(g).model();
        assertThat(s.config().mlpKind()).isEqualTo(io.jvit.core.config.MlpKind.GELU);
        assertThat(s.config().mlpHidden()).isEqualTo(1536);
        assertThat(s.weights().get("blocks.0.mlp.fc1.weight")).isEqualTo(hf.get("layer.0.mlp.up_proj.weight"));
    }

    private Path edited(String name, Consumer<Map<String, INDArray>> edit) throws Exception {
        Map<String, INDArray> sd = new LinkedHashMap<>(Checkpoints.readTensors(Fixtures.dinov3(OFFICIAL)));
        edit.accept(sd);
        Path f = dir.resolve(name + ".safetensors");
        Safetensors.write(f, sd, Map.of());
        return f;
    }

    private static void oneLineNaming(Path f, String key) {
        assertThatThrownBy(() -> Checkpoints.load(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(f.getFileName().toString())
                .hasMessageContaining(key)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aMissingOrExtraTensorIsNamedInOneLine() throws Exception {
        oneLineNaming(edited("no_w3", sd -> sd.remove("blocks.1.mlp.w3.weight")), "blocks.1.mlp.fc2.weight");
        oneLineNaming(edited("no_w2", sd -> sd.remove("blocks.0.mlp.w2.bias")), "blocks.0.mlp.w2.bias");
        oneLineNaming(edited("no_mask", sd -> sd.remove("blocks.1.attn.qkv.bias_mask")), "blocks.1.attn.qkv.bias_mask");
        oneLineNaming(edited("no_norm", sd -> sd.remove("norm.bias")), "norm.bias");
        oneLineNaming(edited("no_ls", sd -> sd.remove("blocks.1.ls2.gamma")), "blocks.1.ls2.gamma");
        oneLineNaming(
                edited("extra", sd -> sd.put("blocks.0.attn.q_norm.weight", Nd4j.ones(64))),
                "blocks.0.attn.q_norm.weight");
        oneLineNaming(
                edited("extra_block", sd -> sd.put("blocks.2.norm1.weight", Nd4j.ones(384))), "blocks.2.norm1.weight");
        oneLineNaming(edited("pos", sd -> sd.put("pos_embed", Nd4j.zeros(1, 196, 384))), "pos_embed");
        oneLineNaming(
                edited("bad_mask", sd -> sd.put("blocks.0.attn.qkv.bias_mask", Nd4j.ones(1152))),
                "blocks.0.attn.qkv.bias_mask");
        oneLineNaming(edited("bad_periods", sd -> sd.put("rope_embed.periods", Nd4j.ones(7))), "rope_embed.periods");
    }

    @Test
    void savedDinov3ModelsReloadWithTheirConfigOnBothReaders() throws Exception {
        INDArray x = new Preprocessor(16, Preprocessor.ResizePolicy.NONE)
                .tensor(ImageLoader.read(Fixtures.dinov3("retina_224.png")));
        for (Pe pe : new Pe[] {Pe.AS_TRAINED, Pe.ALIBI}) {
            VisionTransformer m = Checkpoints.load(Fixtures.dinov3(pe == Pe.ALIBI ? ALIBI : OFFICIAL), pe)
                    .model();
            Path f = dir.resolve(pe.label() + ".safetensors");
            Checkpoints.save(f, m);
            Checkpoints.Loaded back = Checkpoints.load(f);
            assertThat(back.format()).isEqualTo(CheckpointFormat.JVIT);
            assertThat(back.model().config()).isEqualTo(m.config());
            assertThat(back.model().forward(x).patchTokens())
                    .isEqualTo(m.forward(x).patchTokens());
            Checkpoints.FloatModel fm = Checkpoints.loadFloats(f, Pe.AS_TRAINED);
            assertThat(fm.config()).isEqualTo(m.config());
            float[] fast = new io.jvit.core.fast.FastViT(fm.config(), fm.weights(), 1)
                    .run(x.data().asFloat(), 1, 224, 224, false)
                    .patchTokens();
            assertThat(Nd4j.create(fast, new long[] {1, 14, 14, 384})
                            .sub(m.forward(x).patchTokens())
                            .amaxNumber()
                            .doubleValue())
                    .isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void periodsComeFromTheCheckpoint() throws Exception {
        Path f = edited(
                "periods",
                sd -> sd.put("rope_embed.periods", sd.get("rope_embed.periods").mul(2)));
        Rope2d r = (Rope2d) Checkpoints.load(f).model().config().pe();
        assertThat(r.periods()).hasSize(16);
        assertThat(r.periods()[1]).isEqualTo(2 * 1.3335215f);
        assertThat(Checkpoints.load(Fixtures.dinov3(OFFICIAL)).model().config().pe())
                .isEqualTo(new Rope2d(100));
    }
}

package io.jvit.core.checkpoint;

/** The key-naming conventions a checkpoint can follow. */
public enum CheckpointFormat {
    /** facebookresearch/dinov2 hub: cls_token, register_tokens, pos_embed with the CLS position, mask_token, mlp.w12/w3. */
    DINOV2_OFFICIAL,
    /** timm (and the paper's released ALiBi checkpoints): reg_token, pos_embed for patches only. */
    TIMM,
    /** HuggingFace transformers Dinov2Model: embeddings.*, encoder.layer.N.attention.attention.query/key/value. */
    HF_TRANSFORMERS,
    /**
     * facebookresearch/dinov3 hub (and dino-saw's ALiBi-Dv3, the same keys under {@code model.} without
     * {@code rope_embed.periods}): storage_tokens, rope_embed.periods, attn.qkv.bias_mask, mlp.w1/w2/w3 or mlp.fc1/fc2.
     */
    DINOV3_OFFICIAL,
    /** HuggingFace transformers DINOv3ViTModel: embeddings.*, layer.N.attention.q_proj/k_proj/v_proj/o_proj, gate/up/down_proj. */
    HF_DINOV3,
    /** Written by this library: canonical names plus the config in the safetensors metadata. */
    JVIT
}

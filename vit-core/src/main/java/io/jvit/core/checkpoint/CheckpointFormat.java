package io.jvit.core.checkpoint;

/** The key-naming conventions a checkpoint can follow. */
public enum CheckpointFormat {
    /** facebookresearch/dinov2 hub: cls_token, register_tokens, pos_embed with the CLS position, mask_token, mlp.w12/w3. */
    DINOV2_OFFICIAL,
    /** timm (and the paper's released ALiBi checkpoints): reg_token, pos_embed for patches only. */
    TIMM,
    /** HuggingFace transformers Dinov2Model: embeddings.*, encoder.layer.N.attention.attention.query/key/value. */
    HF_TRANSFORMERS,
    /** Written by this library: canonical names plus the config in the safetensors metadata. */
    JVIT
}

/**
 * Checkpoint files: PyTorch {@code .pth} zips through a restricted unpickler (no code in a file is ever run) and
 * {@code .safetensors}; the key namings of DINOv2's hub, timm, HF transformers and this library ({@code KeyMapping});
 * {@link io.jvit.core.checkpoint.Checkpoints} reads a model's architecture off its tensors and saves models with their
 * configuration in the metadata. A bad file is refused with a {@link io.jvit.core.checkpoint.CheckpointException}
 * naming the file and the problem.
 */
package io.jvit.core.checkpoint;

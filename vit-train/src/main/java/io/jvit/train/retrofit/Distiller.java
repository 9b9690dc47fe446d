package io.jvit.train.retrofit;

import io.jvit.core.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the retrofit job needs of a distiller, whichever engine runs it ({@link FastDistiller} on the training engine,
 * {@link io.jvit.train.samediff.SameDiffDistiller} on the SameDiff graph). Both write the same training-state file, so a
 * run started on one engine resumes on the other.
 */
public interface Distiller {
    /** One AdamW step on a batch (B, 3, H, W); returns the loss before the update. */
    double step(INDArray images);

    /** The loss on a batch, no update. */
    double loss(INDArray images);

    /** The student with the current weights. */
    VisionTransformer student();

    /** Saves student weights, AdamW moments and step (atomically); {@code extra} goes into the metadata. */
    void saveState(Path file, Map<String, String> extra) throws IOException;

    /** Restores a state written by either engine for the same student configuration; returns its metadata. */
    Map<String, String> loadState(Path file);
}

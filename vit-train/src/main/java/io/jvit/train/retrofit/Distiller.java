package io.jvit.train.retrofit;

import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the retrofit job needs of a distiller, whichever engine runs it ({@link FastDistiller} on the training engine,
 * {@link io.jvit.train.samediff.SameDiffDistiller} on the SameDiff graph). Batches are normalised pixels as float
 * arrays ({@link Preprocessor.Pixels}, (B, 3, H, W) row-major), so the fast engine's job never touches ND4J. Both
 * engines write the same training-state file, so a run started on one resumes on the other.
 */
public interface Distiller {
    /** One AdamW step on a batch; returns the loss before the update. */
    double step(Preprocessor.Pixels images);

    /** The loss on a batch, no update. */
    double loss(Preprocessor.Pixels images);

    /** The student with the current weights (a copy, as an ND4J model: for probes). */
    VisionTransformer student();

    /** Saves the student's current weights as a model checkpoint ({@code Checkpoints.save}'s file), atomically. */
    void saveStudent(Path file) throws IOException;

    /** Saves student weights, AdamW moments and step (atomically); {@code extra} goes into the metadata. */
    void saveState(Path file, Map<String, String> extra) throws IOException;

    /** Restores a state written by either engine for the same student configuration; returns its metadata. */
    Map<String, String> loadState(Path file);
}

package io.jvit.spark;

import java.io.Serializable;

/**
 * What an executor reports back for one file: done (with a job-specific summary line, e.g. the class fractions), done
 * earlier (skipped by {@code --resume}, summary read back from its outputs), or failed (the error's message).
 */
public record UnitResult(String path, int index, String summary, String error, boolean skipped)
        implements Serializable {
    static UnitResult done(ImageUnit u, String summary, boolean skipped) {
        return new UnitResult(u.path(), u.index(), summary, null, skipped);
    }

    static UnitResult failed(ImageUnit u, String error) {
        return new UnitResult(u.path(), u.index(), null, error, false);
    }

    public boolean ok() {
        return error == null;
    }
}

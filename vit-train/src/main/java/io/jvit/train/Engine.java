package io.jvit.train;

import java.util.Locale;

/**
 * Which implementation trains: {@link #FAST}, the training engine of {@code io.jvit.train.engine} (hand-written backward
 * pass on float arrays, data-parallel over threads), or {@link #SAMEDIFF}, the ND4J SameDiff graph it is checked against.
 * Same loss, AdamW and state files on both.
 */
public enum Engine {
    FAST, SAMEDIFF;

    /** "fast" or "samediff" (any case); anything else is refused with the option's name in the message. */
    public static Engine parse(String s) {
        if (s != null)
            for (Engine e : values()) if (e.name().equalsIgnoreCase(s.trim())) return e;
        throw new IllegalArgumentException("--engine must be fast or samediff, got '" + s + "'");
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }
}

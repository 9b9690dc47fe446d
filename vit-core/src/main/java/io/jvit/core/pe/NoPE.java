package io.jvit.core.pe;

/** No positional encoding at all: the paper's NoPE control. */
public record NoPE() implements PositionalEncoding {
    @Override
    public String name() {
        return "none";
    }
}

package io.jvit.cli;

import picocli.CommandLine.Option;

/** {@code --allow-nonfinite}, shared by the commands that load weights: NaN or Inf in a checkpoint is refused without it. */
final class NonFiniteOption {
    @Option(
            names = "--allow-nonfinite",
            description = "load weights that hold NaN or Inf (refused by default: they make every feature NaN)")
    boolean allow;
}

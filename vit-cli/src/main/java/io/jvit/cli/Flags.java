package io.jvit.cli;

import java.util.function.Function;

/**
 * Library values parsed from option strings. The library's refusals name the value ("engine must be fast or
 * samediff, got 'x'"); on the command line they name the option as the user typed it ("--engine must be …").
 */
final class Flags {
    private Flags() {}

    static <T> T parse(String flag, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(
                    msg.startsWith(flag.substring(2) + " ") ? "--" + msg : flag + ": " + msg, e);
        }
    }
}

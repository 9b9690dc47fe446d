package io.jvit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./vit <command>}: the command line, one subcommand per job. */
@Command(
        name = "vit",
        mixinStandardHelpOptions = true,
        version = "jvit 0.1.0",
        description = "Vision Transformer features, positional-bias probes and ALiBi tools on the JVM.",
        footer = {
            "%nAlso: ./vit bench [--help] runs the benchmarks (module vit-bench).",
            "%nThreads: --threads defaults to every core; ND4J's OpenMP (the SameDiff engine) stays at 1 thread unless --threads is given.",
            "%nMemory: the launcher gives the heap a quarter of this machine's memory (at least min(4 GB, half)), ND4J's off-heap buffers half and the whole process seven eighths; JAVA_OPTS overrides them, e.g.",
            "  JAVA_OPTS='-Xmx12g -Dorg.bytedeco.javacpp.maxbytes=24G' ./vit features ...",
            "%nProgress: a bar on a terminal, plain lines in logs (JVIT_PROGRESS=bar or lines chooses)."
        })
public final class Vit {
    /** The subcommands, in the order {@code --help} lists them. */
    private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = commands();

    private static java.util.Map<String, java.util.function.Supplier<Object>> commands() {
        var m = new java.util.LinkedHashMap<String, java.util.function.Supplier<Object>>();
        m.put("features", FeaturesCommand::new);
        m.put("probe", ProbeCommand::new);
        m.put("init", InitCommand::new);
        m.put("segment", SegmentCommand::new);
        m.put("serve", ServeCommand::new);
        m.put("retrofit", RetrofitCommand::new);
        m.put("synth", SynthCommand::new);
        m.put("pretrain", PretrainCommand::new);
        m.put("demo", DemoCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    public static void main(String[] args) {
        // the commands that compute get their kernels compiled while they load (not --help, synth, init)
        if (args.length > 0
                && java.util.Set.of("features", "probe", "segment", "serve", "retrofit", "pretrain", "demo")
                        .contains(args[0])
                && !java.util.Arrays.asList(args).contains("--help")
                && !java.util.Arrays.asList(args).contains("-h")) io.jvit.core.fast.JitWarmup.start();
        System.exit(run(args));
    }

    /**
     * Runs a command line and returns its exit code ({@link ExitCodes}: 0 ok, 2 bad input or usage, 3 out of memory,
     * 1 internal error). A failure prints exactly one line, {@code error: FILE: problem}, on the command's stderr.
     */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Vit());
        // A command line naming a subcommand gets only that one: picocli builds each registered command's model by
        // reflection, in classes CDS cannot archive (picocli's are Java 5 class files), and all ten took about 0.14 s
        // of a 224² `features` run's start-up against 0.16 s for `features` alone. Help, version and unknown names
        // see them all.
        String only = args.length > 0 && COMMANDS.containsKey(args[0]) && !args[0].equals("help") ? args[0] : null;
        COMMANDS.forEach((name, command) -> {
            if (only == null || only.equals(name)) cl.addSubcommand(name, command.get());
        });
        ExitCodes.document(cl);
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr()
                    .println("error: " + ExitCodes.oneLine(e) + " (see ./"
                            + cmd.getCommandSpec().qualifiedName(" ") + " --help)");
            return ExitCodes.BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + ExitCodes.message(e));
            return ExitCodes.of(e);
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // ND4J's off-heap limits surface as errors, not exceptions
            cl.getErr().println("error: " + ExitCodes.message(e));
            return ExitCodes.OUT_OF_MEMORY;
        } catch (StackOverflowError e) {
            cl.getErr().println("error: internal error: stack overflow");
            return ExitCodes.INTERNAL;
        }
    }

    static String oneLine(Throwable e) {
        return ExitCodes.oneLine(e);
    }
}

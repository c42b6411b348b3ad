package dev.plexd.testing;

import dev.plexd.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code plexd} command line, with what it printed. */
public record CliRun(int exit, String out, String err) {

    /** Through the same command tree {@code main} builds for these arguments. */
    public static CliRun plexd(String... args) {
        CommandLine cli = Main.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}

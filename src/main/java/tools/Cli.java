package tools;

import app.ServiceMain;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The runnable jar's entry point ({@code ./orchestrator <command>}), on picocli: every subcommand has its own
 * {@code --help}; an unknown option, command or bad value is refused with a message and exit code 2 before anything
 * starts; a command that fails exits 1. The service's own commands go to {@link ServiceMain}; the demo, the
 * benchmarks and the marketplace sandbox are tools beside the service ({@link Commands}).
 */
@Command(name = "orchestrator", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = "Order orchestrator for Shopee, TikTok Shop and WhatsApp sellers. Without a command: serve.",
    subcommands = {Commands.Serve.class, Commands.Schema.class, Commands.HashToken.class, CheckConfig.class,
        Commands.Demo.class, Commands.Bench.class, Commands.BenchSku.class, Commands.Soak.class, Commands.SandboxCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Configuration comes from application.conf and ORCH_* environment variables (see README.md).",
        "Exit codes: 0 done, 1 failed (or check-config found errors), 2 usage error."})
public final class Cli implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    return new Commands.Serve().call();
  }

  /** Runs one command line; returns its exit code (tests call this, {@link #main} exits with it). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine line = new CommandLine(new Cli());
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(cmd.getCommandName() + " failed: " + (e.getMessage() == null ? e : e.getMessage()));
      return CommandLine.ExitCode.SOFTWARE;
    });
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  public static void main(String[] args) {
    ServiceMain.ensureCommonPool();
    int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    // A node, the demo and the sandbox keep serving on their own threads after their command returns: only a
    // failure or a usage error ends the JVM here.
    if (code != 0) System.exit(code);
  }

  /** The pom's version, from a resource Maven fills in. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws Exception {
      Properties p = new Properties();
      try (InputStream in = Cli.class.getClassLoader().getResourceAsStream("orchestrator-version.properties")) {
        if (in != null) p.load(in);
      }
      return new String[] {"orchestrator " + p.getProperty("version", "unknown") + " (Akka 2.8.6, Java "
          + System.getProperty("java.version") + ")"};
    }
  }
}

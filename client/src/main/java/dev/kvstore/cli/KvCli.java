package dev.kvstore.cli;

import dev.kvstore.client.Compression;
import dev.kvstore.client.KvClient;
import dev.kvstore.client.KvClientException;
import dev.kvstore.client.TlsFiles;
import io.grpc.ClientInterceptor;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code kvstore} command line: talks to any node of a kvstore cluster.
 *
 * <p>Exit codes: 0 success; 1 any other error; 2 usage error (bad arguments, or a request the
 * server rejected as INVALID_ARGUMENT); 3 key not found; 4 cluster unavailable (UNAVAILABLE or
 * DEADLINE_EXCEEDED: no endpoint answered in time). Errors are one line on standard error; a stack
 * trace only with {@code --verbose}.
 */
@Command(
    name = "kvstore",
    mixinStandardHelpOptions = true,
    versionProvider = ProjectVersion.class,
    description = "Reads, writes and watches keys in a kvstore cluster, through any of its nodes.",
    sortOptions = false,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:Success.",
      "1:Any other error, e.g. a refusal: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED (rate limit, storage quota).",
      "2:Usage error: bad arguments, or a request the server rejected as invalid.",
      "3:Key not found.",
      "4:Cluster unavailable: no endpoint answered in time.",
      "5:Compare failed: a cas found another value (nothing written).",
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
        "  KVSTORE_ENDPOINTS   endpoints to use when --endpoints is not given",
        "  KVSTORE_CACERT      --cacert when not given (likewise KVSTORE_CERT, KVSTORE_KEY)",
        "  KVSTORE_USER        --user when not given (likewise KVSTORE_PASSWORD, KVSTORE_PASSWORD_FILE)",
        "  KVSTORE_COMPRESSION --compression when not given"})
public final class KvCli implements Callable<Integer>, CommandContext {

  static final String DEFAULT_ENDPOINTS = "127.0.0.1:50051";
  static final String ENDPOINTS_VARIABLE = "KVSTORE_ENDPOINTS";
  static final String CACERT_VARIABLE = "KVSTORE_CACERT";
  static final String CERT_VARIABLE = "KVSTORE_CERT";
  static final String KEY_VARIABLE = "KVSTORE_KEY";
  static final String USER_VARIABLE = "KVSTORE_USER";
  static final String PASSWORD_VARIABLE = "KVSTORE_PASSWORD";
  static final String PASSWORD_FILE_VARIABLE = "KVSTORE_PASSWORD_FILE";
  static final String COMPRESSION_VARIABLE = "KVSTORE_COMPRESSION";
  // One attempt on one node never takes longer than this, so a dead node leaves time for others.
  private static final Duration MAX_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  @Spec
  private CommandSpec spec;

  @Option(
      names = "--endpoints",
      paramLabel = "HOST:PORT[,...]",
      scope = ScopeType.INHERIT,
      description = "Comma-separated node addresses (default: $" + ENDPOINTS_VARIABLE + ", else "
          + DEFAULT_ENDPOINTS + ").")
  private String endpoints;

  @Option(
      names = "--cacert",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "Speak TLS, trusting the CA certificates in this PEM file to sign the nodes' certificates"
          + " (default: $" + CACERT_VARIABLE + "; neither: plaintext).")
  private Path cacert;

  @Option(
      names = "--cert",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "Client certificate for nodes that require one (mTLS); needs --cacert and --key"
          + " (default: $" + CERT_VARIABLE + ").")
  private Path cert;

  @Option(
      names = "--key",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "Private key of --cert, PEM PKCS#8 (default: $" + KEY_VARIABLE + ").")
  private Path key;

  @Option(
      names = "--user",
      paramLabel = "NAME[:PASSWORD]",
      scope = ScopeType.INHERIT,
      description = "Sign in as this user, for clusters with authentication on; the password after a colon,"
          + " else from --password, $" + PASSWORD_VARIABLE + " or a prompt (default: $" + USER_VARIABLE + ")."
          + " The token is kept in memory only.")
  private String user;

  @Option(
      names = "--password",
      paramLabel = "PASSWORD",
      scope = ScopeType.INHERIT,
      description = "Password of --user (default: $" + PASSWORD_VARIABLE + "; visible to other users of this"
          + " machine in the process list: prefer the variable or the prompt).")
  private String password;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "Read the password of --user from the first line of this file, e.g. a Docker secret"
          + " (default: $" + PASSWORD_FILE_VARIABLE + ").")
  private Path passwordFile;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "plain|json",
      scope = ScopeType.INHERIT,
      description = "Output format (default: plain).")
  private OutputFormat format = OutputFormat.PLAIN;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      description = "Time limit of each request, retries included, e.g. 500ms, 5s (default: 5s);"
          + " it starts once the CLI has connected (see --connect-timeout).")
  private Duration timeout = Duration.ofSeconds(5);

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      description = "Time limit for connecting to the cluster before the request starts, and for each"
          + " later connection to a node (default: 2s). Not part of --timeout, as etcdctl's --dial-timeout.")
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

  @Option(
      names = "--compression",
      paramLabel = "gzip|none",
      scope = ScopeType.INHERIT,
      description = "Compress requests, and have the nodes compress their answers (gRPC message"
          + " compression): gzip or none (default: $" + COMPRESSION_VARIABLE + ", else none). Worth it for"
          + " large values over a slow link.")
  private Compression compression;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors and the client's debug log.")
  private boolean verbose;

  private final CliEnvironment environment;
  private final Printer printer;
  private KvClient client;

  KvCli(CliEnvironment environment) {
    this.environment = environment;
    this.printer = new Printer(environment.out());
  }

  /** Runs the CLI and exits with its exit code. */
  public static void main(String[] args) {
    lightenTransport();
    quietLibraries(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v"));
    System.exit(commandLine(CliEnvironment.system(), args).execute(args));
  }

  /** A ready-to-execute command line bound to {@code environment}, with every subcommand. */
  static CommandLine commandLine(CliEnvironment environment) {
    return commandLine(environment, null);
  }

  /**
   * A ready-to-execute command line bound to {@code environment}, with the subcommands that
   * {@code args} needs (see {@link Subcommands}); null args: every subcommand. For programs and
   * tests that run the CLI in their own process: {@code commandLine(env, args).execute(args)}
   * returns the exit code.
   */
  public static CommandLine commandLine(CliEnvironment environment, String[] args) {
    KvCli cli = new KvCli(environment);
    CommandLine commandLine = new CommandLine(cli);
    if (args == null) {
      Subcommands.addAll(commandLine, cli);
    } else {
      Subcommands.addFor(args, commandLine, cli);
    }
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setOut(writer(environment.out()));
    commandLine.setErr(writer(environment.err()));
    commandLine.setParameterExceptionHandler(cli::onUsageError);
    commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> cli.onFailure(e));
    commandLine.setExecutionStrategy(parseResult -> {
      try {
        return new CommandLine.RunLast().execute(parseResult);
      } finally {
        cli.closeClient();
      }
    });
    return commandLine;
  }

  @Override
  public Integer call() {
    // Without a subcommand there is nothing to do: show what there is.
    spec.commandLine().usage(environment.err());
    return ExitCodes.USAGE;
  }

  @Override
  public KvClient client() {
    return client(List.of());
  }

  @Override
  public KvClient client(ClientInterceptor interceptor) {
    if (client != null) {
      throw new IllegalStateException("the client was built before an interceptor was given for it");
    }
    return client(List.of(interceptor));
  }

  private KvClient client(List<ClientInterceptor> interceptors) {
    if (client == null) {
      String configured = endpoints != null ? endpoints : environment.env().get(ENDPOINTS_VARIABLE);
      client = newClient(configured == null || configured.isBlank() ? DEFAULT_ENDPOINTS : configured, interceptors);
    }
    return client;
  }

  @Override
  public KvClient newClient(String endpoints) {
    return newClient(endpoints, List.of());
  }

  private KvClient newClient(String endpoints, List<ClientInterceptor> interceptors) {
    KvClient.Builder builder;
    try {
      builder = KvClient.builder().endpoints(endpoints);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "invalid endpoints: " + e.getMessage());
    }
    KvClient built;
    try {
      builder
          .requestTimeout(timeout)
          .attemptTimeout(timeout.compareTo(MAX_ATTEMPT_TIMEOUT) < 0 ? timeout : MAX_ATTEMPT_TIMEOUT)
          .connectTimeout(connectTimeout)
          .compression(compression())
          .tls(tls());
      interceptors.forEach(builder::interceptor);
      boolean signingIn = credentials(builder);
      built = builder.build();
      if (signingIn && built.signedInUser().isEmpty()) {
        environment.err().println("warning: authentication is not enabled on the cluster: --user is ignored"
            + " (its password was not checked)");
      }
    } catch (IllegalArgumentException e) {
      // A TLS file that is missing or is no PEM of the right kind: named in the message.
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    // Connecting on a busy machine is mostly the JVM loading and compiling the transport, which
    // took over a second of a 1 s --timeout under load; the request's clock starts after it.
    // When no node connects, the request still runs and reports what each endpoint said.
    built.connect(connectTimeout);
    return built;
  }

  /**
   * --user NAME[:PASSWORD] and --password, each else from its environment variable; without a
   * password a person at a terminal is asked for it (not echoed). No user: no sign-in.
   *
   * @return whether a user was given (the client signs in)
   */
  private boolean credentials(KvClient.Builder builder) {
    String named = user != null ? user : environment.env().get(USER_VARIABLE);
    if (named == null || named.isBlank()) {
      return false;
    }
    String name = named;
    // $KVSTORE_PASSWORD belongs to $KVSTORE_USER: another --user gets a prompt, not root's password.
    boolean envUser = user == null || user.equals(environment.env().get(USER_VARIABLE));
    String secret = password != null ? password : envUser ? environment.env().get(PASSWORD_VARIABLE) : null;
    Path file = orEnv(passwordFile, PASSWORD_FILE_VARIABLE);
    if (secret == null && file != null) {
      try {
        secret = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8).stream()
            .findFirst().orElse("");
      } catch (java.io.IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read --password-file " + file + ": " + e.getMessage());
      }
    }
    int colon = named.indexOf(':');
    if (colon >= 0) {
      name = named.substring(0, colon);
      secret = named.substring(colon + 1);
    }
    if (name.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--user needs a user name before the colon");
    }
    if (secret == null) {
      java.io.Console console = environment.interactive() ? System.console() : null;
      if (console == null) {
        throw new ParameterException(spec.commandLine(), "--user " + name + " needs a password: --user "
            + name + ":PASSWORD, --password, --password-file, or $" + PASSWORD_VARIABLE);
      }
      char[] typed = console.readPassword("Password of %s: ", name);
      secret = typed == null ? "" : new String(typed);
    }
    builder.credentials(name, secret);
    return true;
  }

  /** --compression, else $KVSTORE_COMPRESSION, else none. */
  private Compression compression() {
    if (compression != null) {
      return compression;
    }
    String value = environment.env().get(COMPRESSION_VARIABLE);
    if (value == null || value.isBlank()) {
      return Compression.NONE;
    }
    try {
      return Compression.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(),
          "$" + COMPRESSION_VARIABLE + " must be gzip or none, not '" + value + "'");
    }
  }

  /** TLS from --cacert --cert --key, each else from its environment variable; null: plaintext. */
  private TlsFiles tls() {
    Path ca = orEnv(cacert, CACERT_VARIABLE);
    Path clientCert = orEnv(cert, CERT_VARIABLE);
    Path clientKey = orEnv(key, KEY_VARIABLE);
    if (ca == null) {
      if (clientCert != null || clientKey != null) {
        throw new ParameterException(spec.commandLine(), "--cert and --key need --cacert: the CA that signed the"
            + " nodes' certificates (a client certificate is only sent over TLS)");
      }
      return null;
    }
    return new TlsFiles(ca, clientCert, clientKey);
  }

  private Path orEnv(Path option, String variable) {
    if (option != null) {
      return option;
    }
    String value = environment.env().get(variable);
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  @Override
  public OutputFormat format() {
    return format;
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public Printer printer() {
    return printer;
  }

  @Override
  public PrintStream err() {
    return environment.err();
  }

  @Override
  public InputStream in() {
    return environment.in();
  }

  @Override
  public boolean interactive() {
    return environment.interactive();
  }

  private void closeClient() {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  private int onUsageError(ParameterException e, String[] args) {
    String command = e.getCommandLine().getCommandSpec().qualifiedName();
    environment.err().println("error: " + e.getMessage() + " (see '" + command + " --help')");
    return ExitCodes.USAGE;
  }

  private int onFailure(Exception e) {
    int exitCode;
    String message;
    if (e instanceof ParameterException usage) {
      String command = usage.getCommandLine().getCommandSpec().qualifiedName();
      message = e.getMessage() + " (see '" + command + " --help')";
      exitCode = ExitCodes.USAGE;
    } else if (e instanceof KvClientException failure) {
      message = failure.getMessage();
      exitCode = ExitCodes.of(failure);
    } else {
      message = e.getMessage() == null ? e.toString() : e.getMessage();
      exitCode = ExitCodes.ERROR;
    }
    environment.err().println("error: " + message);
    if (verbose) {
      e.printStackTrace(environment.err());
    }
    return exitCode;
  }

  private static PrintWriter writer(PrintStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  /**
   * Two things gRPC's Netty does at start-up that a one-shot command does not need (measured in
   * docs/benchmarks.md, "CLI start-up"): it loads Netty's native epoll library (extracted to a
   * temporary file on every start), where Java NIO serves one request as well; and its buffer
   * allocator emits JFR events, whose first use initialises JFR's event machinery (metadata,
   * generated handler classes): about 100 ms of a 0.5 s command. A value set on the command line
   * (-D) wins.
   */
  private static void lightenTransport() {
    setUnlessGiven("io.grpc.netty.shaded.io.netty.transport.noNative", "true");
    setUnlessGiven("io.grpc.netty.shaded.io.netty.jfr.enabled", "false");
  }

  private static void setUnlessGiven(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /**
   * gRPC and Netty log through java.util.logging, whose default handler prints INFO to standard
   * error; the client logs through SLF4J. A CLI prints results, not logs, unless asked to.
   */
  /** Held so java.util.logging keeps its level: it references loggers only weakly. */
  private static final Logger CHANNEL_LOGGER = Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

  private static void quietLibraries(boolean verbose) {
    Logger.getLogger("").setLevel(verbose ? Level.INFO : Level.WARNING);
    // A node that is down makes gRPC warn with a stack trace on every reconnect attempt; the
    // CLI's own error message (or its successful failover) says what matters.
    CHANNEL_LOGGER.setLevel(verbose ? Level.INFO : Level.SEVERE);
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      if (verbose) {
        System.setProperty("org.slf4j.simpleLogger.log.dev.kvstore", "debug");
      }
    }
  }
}

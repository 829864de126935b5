package http.admin;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin API's bearer tokens, known only by their SHA-256 hashes: {@code ORCH_ADMIN_TOKENS}
 * ({@code name:role:sha256hex,...}) and {@code orchestrator.admin.token-list} in a config file. A token in clear
 * exists only in the operator's hands, or, when none is configured, in the file a local node generates.
 */
public final class AdminTokens {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  /** Name of the token a node generates when none is configured. */
  public static final String GENERATED_NAME = "local-operator";

  public enum Role {
    /** reads: GET and HEAD */
    VIEWER,
    /** reads and acts */
    OPERATOR;

    static Role parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "viewer" -> VIEWER;
        case "operator" -> OPERATOR;
        default -> throw new IllegalArgumentException("role must be viewer or operator, not '" + text.trim() + "'");
      };
    }
  }

  /** A configured token: its name (the actor in audit trails), role and the SHA-256 of the token itself. */
  public record Token(String name, Role role, byte[] sha256) {
    @Override
    public String toString() {
      return "Token[" + name + ", " + role + "]"; // never the hash
    }
  }

  /** The configured tokens, and where a generated one was written (null when tokens were configured). */
  public record Loaded(List<Token> tokens, Path generatedFile) {}

  private AdminTokens() {}

  /** SHA-256 of the token's UTF-8 bytes, lower-case hex: what {@code orchestrator hash-token} prints. */
  public static String hash(String token) {
    return HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new random token: 32 bytes from SecureRandom, URL-safe base64 (43 characters). */
  public static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Parses {@code name:role:sha256hex} entries separated by commas (blank: none). */
  public static List<Token> parse(String entries) {
    List<Token> tokens = new ArrayList<>();
    if (entries == null || entries.isBlank()) return tokens;
    for (String entry : entries.split(",")) {
      if (entry.isBlank()) continue;
      String[] parts = entry.trim().split(":", -1);
      if (parts.length != 3) {
        throw new IllegalArgumentException("ORCH_ADMIN_TOKENS entries are name:role:sha256hex (entry "
            + (tokens.size() + 1) + " has " + parts.length + " parts)");
      }
      tokens.add(token(parts[0], parts[1], parts[2]));
    }
    return tokens;
  }

  static Token token(String name, String role, String sha256Hex) {
    String n = name.trim();
    if (!NAME.matcher(n).matches()) {
      throw new IllegalArgumentException("admin token name must be 1-64 of A-Z a-z 0-9 . _ @ - (got '"
          + n.replaceAll("[^A-Za-z0-9._@-]", "?") + "')");
    }
    String hex = sha256Hex.trim().toLowerCase(Locale.ROOT);
    if (!SHA256_HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("admin token '" + n + "': the hash must be 64 hex digits "
          + "(SHA-256, from `orchestrator hash-token`), not the token itself");
    }
    return new Token(n, Role.parse(role), HexFormat.of().parseHex(hex));
  }

  /** Tokens from {@code orchestrator.admin.tokens} (environment) and {@code orchestrator.admin.token-list}. */
  public static List<Token> fromConfig(Config config) {
    Config admin = config.getConfig("orchestrator.admin");
    List<Token> tokens = parse(admin.getString("tokens"));
    for (Config entry : admin.getConfigList("token-list")) {
      tokens.add(token(entry.getString("name"), entry.getString("role"), entry.getString("sha256")));
    }
    Set<String> names = new HashSet<>();
    for (Token t : tokens) {
      if (!names.add(t.name())) throw new IllegalArgumentException("admin token name '" + t.name() + "' is used twice");
    }
    return List.copyOf(tokens);
  }

  /**
   * The configured tokens; with none, a fresh random operator token for this run, written (owner-only) to
   * {@code orchestrator.admin.generated-token-file} so a local node is usable without any configuration.
   */
  public static Loaded load(Config config) {
    List<Token> tokens = fromConfig(config);
    if (!tokens.isEmpty()) return new Loaded(tokens, null);
    Path file = Path.of(config.getString("orchestrator.admin.generated-token-file")).toAbsolutePath().normalize();
    String token = newToken();
    try {
      writeOwnerOnly(file, token + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("no admin token configured (ORCH_ADMIN_TOKENS) and the generated one could not "
          + "be written to " + file + ": " + e.getMessage(), e);
    }
    return new Loaded(List.of(new Token(GENERATED_NAME, Role.OPERATOR,
        sha256(token.getBytes(StandardCharsets.UTF_8)))), file);
  }

  private static void writeOwnerOnly(Path file, String content) throws IOException {
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}

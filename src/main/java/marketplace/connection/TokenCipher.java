package marketplace.connection;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shop tokens encrypted at rest: AES-256-GCM with a random 12-byte nonce per value, the shop's entity id as
 * associated data (a value copied to another shop's events does not decrypt). The key comes from
 * {@code orchestrator.shops.token-key} (ORCH_TOKEN_KEY, base64 of 32 bytes), which every node of a cluster shares;
 * without it a key is generated once into {@code token-key-file}, readable by its owner only (the embedded default:
 * one node on its own disk).
 */
public final class TokenCipher {
  private static final Logger log = LoggerFactory.getLogger(TokenCipher.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE = 12;

  private final SecretKeySpec key;

  TokenCipher(byte[] key) {
    if (key.length != 32) throw new IllegalArgumentException("the token key must be 32 bytes (base64 of 32 bytes)");
    this.key = new SecretKeySpec(key, "AES");
  }

  /** From {@code orchestrator.shops}: the configured key, else the key file (generated when allowed). */
  public static TokenCipher fromConfig(Config root) {
    Config c = root.getConfig("orchestrator.shops");
    String configured = c.getString("token-key").trim();
    if (!configured.isEmpty()) return new TokenCipher(decodeKey(configured));
    boolean h2 = "h2".equals(root.getString("orchestrator.db.profile"));
    if (!h2 && !c.getBoolean("generate-key")) {
      throw new IllegalStateException("ORCH_TOKEN_KEY (orchestrator.shops.token-key) is required with the "
          + root.getString("orchestrator.db.profile") + " profile: every node must encrypt shop tokens with the same "
          + "key (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
    }
    return new TokenCipher(keyFile(Path.of(c.getString("token-key-file"))));
  }

  private static byte[] decodeKey(String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("orchestrator.shops.token-key is not base64");
    }
  }

  private static byte[] keyFile(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.write(file, Base64.getEncoder().encode(key));
          log.info("Generated the shop token key into {} (owner-only); keep it with the data directory", file);
        } catch (FileAlreadyExistsException raced) {
          // another node process on this data directory made it first: use theirs
        } catch (UnsupportedOperationException noPosix) {
          Files.write(file, Base64.getEncoder().encode(key));
        }
      }
      return decodeKey(Files.readString(file, StandardCharsets.US_ASCII).trim());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or create the token key file " + file + ": " + e.getMessage(), e);
    }
  }

  String encrypt(String plain, String associated) {
    if (plain == null) return null;
    try {
      byte[] nonce = new byte[NONCE];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      System.arraycopy(sealed, 0, out, NONCE, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("token encryption failed", e);
    }
  }

  /** Fails when the key differs from the one that encrypted it, or the value was altered. */
  String decrypt(String sealed, String associated) {
    if (sealed == null) return null;
    try {
      byte[] in = Base64.getDecoder().decode(sealed);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE));
      cipher.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("a shop token cannot be decrypted: the token key differs from the one it was "
          + "encrypted with, or the value was altered");
    }
  }
}

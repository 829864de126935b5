package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.http.javadsl.model.HttpMethods;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Ids;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token configuration, hashing, matching and the token a node generates when none is configured. */
class AdminTokensTest {
  private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @TempDir Path dir;

  private static Config config(String tokens, String list, Path file) {
    return ConfigFactory.parseString("orchestrator.admin { tokens = \"" + tokens + "\", token-list = " + list
        + ", generated-token-file = \"" + file + "\" }");
  }

  @Test
  void hashIsTheSha256HexOfTheToken() {
    assertEquals(ABC_SHA256, AdminTokens.hash("abc"));
  }

  @Test
  void environmentAndConfigFileListsAreBothRead() {
    List<AdminTokens.Token> tokens = AdminTokens.fromConfig(config(
        "jane:operator:" + ABC_SHA256 + ", kim:Viewer:" + ABC_SHA256.toUpperCase(),
        "[{ name = bot, role = viewer, sha256 = \"" + AdminTokens.hash("x") + "\" }]", dir.resolve("t")));
    assertEquals(3, tokens.size());
    assertEquals("jane", tokens.get(0).name());
    assertEquals(AdminTokens.Role.OPERATOR, tokens.get(0).role());
    assertEquals(AdminTokens.Role.VIEWER, tokens.get(1).role(), "roles are case-insensitive, hex too");
    assertEquals("bot", tokens.get(2).name());
    assertFalse(tokens.get(0).toString().contains(ABC_SHA256.substring(0, 8)), "toString never shows the hash");
  }

  @Test
  void malformedEntriesAreRefusedWithAClearMessage() {
    var noHash = assertThrows(IllegalArgumentException.class, () -> AdminTokens.parse("jane:operator"));
    assertTrue(noHash.getMessage().contains("name:role:sha256hex"), noHash.getMessage());
    var clear = assertThrows(IllegalArgumentException.class, () -> AdminTokens.parse("jane:operator:my-secret"));
    assertTrue(clear.getMessage().contains("64 hex digits"), clear.getMessage());
    assertFalse(clear.getMessage().contains("my-secret"), "a token pasted by mistake is not echoed");
    assertThrows(IllegalArgumentException.class, () -> AdminTokens.parse("jane:admin:" + ABC_SHA256));
    assertThrows(IllegalArgumentException.class, () -> AdminTokens.parse("ja ne:viewer:" + ABC_SHA256));
    var twice = assertThrows(IllegalArgumentException.class, () -> AdminTokens.fromConfig(config(
        "jane:viewer:" + ABC_SHA256 + ",jane:operator:" + ABC_SHA256, "[]", dir.resolve("t"))));
    assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
    assertTrue(AdminTokens.parse("  ").isEmpty());
  }

  @Test
  void matchingFindsTheTokenByItsHashOnly() {
    AdminAuth auth = new AdminAuth(AdminTokens.parse("a:viewer:" + AdminTokens.hash("token-a") + ",b:operator:"
        + AdminTokens.hash("token-b")), 1024, null, null);
    assertEquals("a", auth.find("token-a").name());
    assertEquals("b", auth.find("token-b").name());
    assertNull(auth.find("token-c"));
    assertNull(auth.find(AdminTokens.hash("token-a")), "the hash itself is not a token");
    assertNull(auth.find("x".repeat(10_000)));
  }

  @Test
  void viewersReadOperatorsAct() {
    assertTrue(AdminAuth.allows(AdminTokens.Role.VIEWER, HttpMethods.GET));
    assertTrue(AdminAuth.allows(AdminTokens.Role.VIEWER, HttpMethods.HEAD));
    for (var m : List.of(HttpMethods.POST, HttpMethods.PUT, HttpMethods.DELETE, HttpMethods.PATCH)) {
      assertFalse(AdminAuth.allows(AdminTokens.Role.VIEWER, m), m.name());
      assertTrue(AdminAuth.allows(AdminTokens.Role.OPERATOR, m), m.name());
    }
  }

  @Test
  void withNoTokenConfiguredARandomOperatorTokenIsWrittenOwnerOnly() throws Exception {
    Path file = dir.resolve("data/admin-token");
    AdminTokens.Loaded loaded = AdminTokens.load(config("", "[]", file));
    assertEquals(file.toAbsolutePath().normalize(), loaded.generatedFile());
    String token = Files.readString(file).strip();
    assertTrue(token.length() >= 40, token.length() + " characters");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    AdminAuth auth = new AdminAuth(loaded.tokens(), 1024, null, null);
    assertEquals(AdminTokens.GENERATED_NAME, auth.find(token).name());
    assertEquals(AdminTokens.Role.OPERATOR, loaded.tokens().get(0).role());
    String second = Files.readString(AdminTokens.load(config("", "[]", file)).generatedFile()).strip();
    assertFalse(second.equals(token), "a new token every start");
    AdminTokens.Loaded configured = AdminTokens.load(config("a:viewer:" + ABC_SHA256, "[]", dir.resolve("other")));
    assertNull(configured.generatedFile());
    assertFalse(Files.exists(dir.resolve("other")), "nothing is generated when tokens are configured");
  }

  @Test
  void pathIdentifiersRefuseInvisibleAndControlCharacters() {
    assertNull(Ids.checkId("id", "SKU-ÄÖ-红-😀"));
    assertNotNull(Ids.checkId("id", "a\u0000b"));
    assertNotNull(Ids.checkId("id", "a\u0085b"));
    assertNotNull(Ids.checkId("id", "a\u202Eb"));
    assertNotNull(Ids.checkId("id", "a\u200Bb"));
    assertNotNull(Ids.checkId("id", "a\u2028b"));
    assertNotNull(Ids.checkId("id", "a\uD800b"));
    assertNotNull(Ids.checkId("id", "a|b"));
    assertNotNull(Ids.checkId("id", "x".repeat(Ids.MAX_ID_LENGTH + 1)));
    assertSame(null, Ids.checkId("id", "x".repeat(Ids.MAX_ID_LENGTH)));
  }
}

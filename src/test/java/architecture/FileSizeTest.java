package architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** One role per file: no production source file over 600 lines. */
class FileSizeTest {
  static final int MAX_LINES = 600;

  @Test
  void noProductionFileIsOver600Lines() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertTrue(sources.size() > 50, "found the production sources");
    List<String> tooLong = sources.stream()
        .map(p -> lines(p) > MAX_LINES ? p + " (" + lines(p) + " lines)" : null)
        .filter(s -> s != null).sorted().toList();
    assertEquals(List.of(), tooLong, "production files over " + MAX_LINES + " lines");
  }

  private static long lines(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

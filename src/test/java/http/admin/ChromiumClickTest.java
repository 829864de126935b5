package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Chromium;

/**
 * The browser tests' driver clicks as a person does: a trusted mouse event at the element's position, and a
 * refusal where a person could not click (hidden, disabled, covered). The old driver called {@code element.click()}
 * from script, which "clicked" all three and produced untrusted events.
 */
class ChromiumClickTest {
  private static Chromium browser;

  @BeforeAll
  static void start() throws Exception {
    browser = Chromium.launch(800, 600);
    browser.send("Page.navigate", Chromium.params().put("url", "about:blank"));
    browser.waitFor("document.readyState === 'complete'", java.time.Duration.ofSeconds(10), "a blank page");
    browser.eval("""
        (() => {
          document.body.innerHTML = `
            <button id="plain">plain</button>
            <button id="gone" hidden>hidden</button>
            <div hidden><button id="inside-hidden">inside hidden</button></div>
            <button id="off" disabled>disabled</button>
            <div style="position:relative"><button id="under">under</button>
              <div id="cover" style="position:absolute; left:0; top:0; width:200px; height:60px; background:#fff"></div></div>
            <div style="height:2000px"></div>
            <button id="far">far below</button>
            <input id="first"><input id="second">`;
          window.clicks = [];
          for (const b of document.querySelectorAll('button')) {
            b.addEventListener('click', (e) => window.clicks.push(b.id + ':' + e.isTrusted));
          }
          return true;
        })()""");
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
  }

  @Test
  void aVisibleEnabledElementGetsATrustedClickEvenBelowTheFold() throws Exception {
    browser.eval("window.clicks = []");
    browser.click("#plain");
    browser.click("#far");
    assertEquals("[\"plain:true\",\"far:true\"]", browser.eval("JSON.stringify(window.clicks)").asText());
  }

  @Test
  void hiddenDisabledCoveredAndMissingElementsAreRefusedAndNotClicked() throws Exception {
    browser.eval("window.clicks = []");
    assertTrue(assertThrows(AssertionError.class, () -> browser.click("#gone")).getMessage().contains("hidden"));
    assertTrue(assertThrows(AssertionError.class, () -> browser.click("#inside-hidden")).getMessage().contains("hidden"));
    assertTrue(assertThrows(AssertionError.class, () -> browser.click("#off")).getMessage().contains("disabled"));
    String covered = assertThrows(AssertionError.class, () -> browser.click("#under")).getMessage();
    assertTrue(covered.contains("covered by") && covered.contains("cover"), covered);
    assertTrue(assertThrows(AssertionError.class, () -> browser.click("#nothing")).getMessage().contains("nothing matches"));
    assertEquals("[]", browser.eval("JSON.stringify(window.clicks)").asText(), "no element was clicked");
  }

  @Test
  void tabMovesTheFocusAsTheKeyboardDoes() throws Exception {
    browser.eval("document.getElementById('first').focus()");
    browser.press("Tab");
    assertEquals("second", browser.eval("document.activeElement.id").asText());
  }
}

package infra;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.Locale;

/**
 * Picks the console log format for {@code logback.xml} ({@code <define name="LOG_FORMAT" class="infra.LogFormat"/>}):
 * {@code ORCH_LOG_FORMAT} (a system property of that name first, then the environment variable) {@code json} gives
 * one JSON object per line (logback's {@code JsonEncoder}), {@code text} or nothing the pattern layout. Any other
 * value logs text and says so in a logback warning, which logback prints at start: a typo loses no line.
 */
public final class LogFormat extends PropertyDefinerBase {
  public static final String VARIABLE = "ORCH_LOG_FORMAT";
  public static final String TEXT = "text";
  public static final String JSON = "json";

  @Override
  public String getPropertyValue() {
    String value = System.getProperty(VARIABLE);
    if (value == null) value = System.getenv(VARIABLE);
    return choose(value);
  }

  String choose(String value) {
    if (value == null || value.isBlank()) return TEXT;
    String format = value.trim().toLowerCase(Locale.ROOT);
    if (format.equals(TEXT) || format.equals(JSON)) return format;
    addWarn(VARIABLE + "=" + value + " is neither " + TEXT + " nor " + JSON + ": logging " + TEXT);
    return TEXT;
  }
}

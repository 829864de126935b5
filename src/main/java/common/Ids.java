package common;

/** Validation of path parameters and identifiers taken from requests. */
public final class Ids {
  public static final int MAX_ID_LENGTH = 128;

  private Ids() {}

  /** @return null when {@code value} is a usable identifier, else what is wrong with it */
  public static String checkId(String name, String value) {
    if (value == null || value.isBlank()) return name + " is missing";
    if (value.length() > MAX_ID_LENGTH) return name + " is longer than " + MAX_ID_LENGTH + " characters";
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) return name + " contains a control character";
      if (c == '|') return name + " contains '|', which is reserved";
      int type = Character.getType(c);
      // invisible or direction-changing characters (U+200B, U+202E, ...) and line separators make ids that look
      // alike but differ; a lone surrogate is not text at all
      if (type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        return name + " contains an invisible or formatting character";
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < value.length()
            && Character.isLowSurrogate(value.charAt(i + 1));
        if (!paired) return name + " contains an unpaired surrogate";
        i++;
      }
    }
    return null;
  }
}

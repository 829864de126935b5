package common;

/** Where an order came from and where stock is shown. */
public enum Channel {
  SHOPEE,
  TIKTOK,
  WHATSAPP,
  /** Orders taken by phone and entered by an operator; no marketplace behind them. */
  PHONE;

  /** Lower-case name used in URLs, entity ids and config ({@code shopee}, {@code tiktok}, {@code whatsapp}). */
  public String key() {
    return name().toLowerCase();
  }

  public static Channel fromKey(String key) {
    for (Channel c : values()) if (c.key().equals(key)) return c;
    throw new IllegalArgumentException("unknown channel '" + key + "' (expected shopee, tiktok, whatsapp or phone)");
  }
}

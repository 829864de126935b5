package common;

/** Where an order came from and where stock is shown. */
public enum Channel {
  SHOPEE,
  TIKTOK,
  WHATSAPP,
  /** Orders taken by phone and entered by an operator; no marketplace behind them. */
  PHONE;

  /**
   * The channel is a marketplace with an API of its own: its orders are fetched and cancelled there, and it holds
   * the stock it was last told (so each of its listings gets stock pushes). WhatsApp orders carry their details and
   * cannot be cancelled through an API; its catalogue gets availability pushes only when one is configured
   * ({@code MarketplaceConfig.receivesStock}, not this). Phone orders have neither.
   */
  public boolean hasMarketplaceApi() {
    return this == SHOPEE || this == TIKTOK;
  }

  /**
   * Why a listing with these marketplace ids cannot be put on this channel, or null when it can: Shopee names the
   * item (its model "0" when it has none), TikTok the product and its SKU, WhatsApp's catalogue only the shop.
   */
  public String listingError(String itemId, String productId, String skuId) {
    return switch (this) {
      case SHOPEE -> blank(itemId) ? "itemId is required for a Shopee listing" : null;
      case TIKTOK -> blank(productId) || blank(skuId) ? "productId and skuId are required for a TikTok listing" : null;
      case WHATSAPP -> null;
      case PHONE -> "phone orders have no listing to show stock on";
    };
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** Lower-case name used in URLs, entity ids and config ({@code shopee}, {@code tiktok}, {@code whatsapp}). */
  public String key() {
    return name().toLowerCase();
  }

  public static Channel fromKey(String key) {
    for (Channel c : values()) if (c.key().equals(key)) return c;
    throw new IllegalArgumentException("unknown channel '" + key + "' (expected shopee, tiktok, whatsapp or phone)");
  }
}

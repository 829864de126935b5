package readside.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The ledger as CSV (RFC 4180): a header row, then one row per order, CRLF line ends. A field holding a comma, a
 * quote or a line break is quoted with its quotes doubled. Text that came from a buyer or a marketplace and starts
 * like a spreadsheet formula ({@code = + - @}) gets a leading apostrophe, so opening the export never runs it.
 * {@code buyer_data} says what the buyer data store still holds of the order (held until, erased, or empty).
 */
public final class OrderCsv {
  public static final List<String> HEADER = List.of("order_key", "channel", "shop_id", "order_id", "status",
      "market_status", "buyer_name", "buyer_phone", "currency", "total_amount", "tracking_number", "problem",
      "unmapped_lines", "created_at", "updated_at", "confirmed_at", "shipped_at", "lines", "buyer_data");

  private OrderCsv() {}

  public static String header() {
    return HEADER.stream().map(OrderCsv::field).collect(Collectors.joining(",")) + "\r\n";
  }

  public static String row(OrderQueries.Entry e) {
    String lines = e.lines().stream()
        .map(l -> l.sku() + " x" + l.quantity() + (l.unitPrice() == null ? "" : " @ " + plain(l.unitPrice())))
        .collect(Collectors.joining("; "));
    return String.join(",",
        field(e.orderKey()), field(e.channel()), text(e.shopId()), text(e.orderId()), field(e.status()),
        field(e.marketStatus()), text(e.buyerName()), text(e.buyerPhone()), text(e.currency()),
        field(plain(e.totalAmount())), text(e.trackingNumber()), text(e.problem()),
        text(String.join("; ", e.unmappedLines())), field(iso(e.createdAt())), field(iso(e.updatedAt())),
        field(iso(e.confirmedAt())), field(iso(e.shippedAt())), text(lines), field(e.buyerData())) + "\r\n";
  }

  /** Free text from outside: neutralise a leading formula character, then quote as needed. */
  static String text(String value) {
    if (value == null || value.isEmpty()) return "";
    char first = value.charAt(0);
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') {
      value = "'" + value;
    }
    return field(value);
  }

  static String field(String value) {
    if (value == null) return "";
    boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
        || value.indexOf('\r') >= 0;
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  private static String plain(BigDecimal value) {
    return value == null ? null : value.toPlainString();
  }

  private static String iso(Instant value) {
    return value == null ? null : value.toString();
  }
}

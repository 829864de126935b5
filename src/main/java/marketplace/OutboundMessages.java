package marketplace;

import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The {@code outbound_messages} table: WhatsApp messages sent to buyers, the order each belongs to, and the latest
 * delivery status WhatsApp reported. Statuses arrive at least once and in any order, so a status is written only when
 * it is newer (timestamp, then rank on a tie) than the one recorded: a late "sent" never overwrites "read", and the
 * same wamid + status again changes nothing. JDBC runs on the database's blocking dispatcher.
 */
public final class OutboundMessages {

  /** A sent message and its latest delivery status ({@code status} null until WhatsApp reported one). */
  public record Message(String wamid, String orderKey, String kind, String status, Instant statusAt, String errors) {}

  private final Database database;

  public OutboundMessages(Database database) {
    this.database = database;
  }

  private boolean postgres() {
    return "postgres".equals(database.profile());
  }

  /** Order of the statuses when two share a timestamp; unknown statuses rank lowest. */
  static int rank(String status) {
    return switch (status == null ? "" : status.toLowerCase(Locale.ROOT)) {
      case "sent" -> 1;
      case "delivered" -> 2;
      case "read" -> 3;
      case "failed" -> 4;
      default -> 0;
    };
  }

  /** The wamid already sent for this order and kind, or null: a re-sent request is answered without sending. */
  public CompletionStage<String> find(String orderKey, String kind) {
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT wamid FROM outbound_messages "
          + "WHERE order_key = ? AND kind = ? ORDER BY sent_at LIMIT 1")) {
        s.setString(1, orderKey);
        s.setString(2, kind);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      }
    });
  }

  /** Right after WhatsApp accepted a message. Keeps a delivery status that arrived before this row. */
  public CompletionStage<Boolean> recordSent(String wamid, String orderKey, String kind, String phoneNumberId,
                                             Instant sentAt) {
    String sql = postgres()
        ? "INSERT INTO outbound_messages AS t (wamid, order_key, kind, phone_number_id, sent_at) "
            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (wamid) DO UPDATE SET order_key = EXCLUDED.order_key, "
            + "kind = EXCLUDED.kind, phone_number_id = EXCLUDED.phone_number_id, sent_at = EXCLUDED.sent_at"
        : "MERGE INTO outbound_messages t USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(512)), "
            + "CAST(? AS VARCHAR(32)), CAST(? AS VARCHAR(128)), CAST(? AS TIMESTAMP WITH TIME ZONE))) "
            + "s(wamid, order_key, kind, phone_number_id, sent_at) ON t.wamid = s.wamid "
            + "WHEN MATCHED THEN UPDATE SET order_key = s.order_key, kind = s.kind, "
            + "phone_number_id = s.phone_number_id, sent_at = s.sent_at "
            + "WHEN NOT MATCHED THEN INSERT (wamid, order_key, kind, phone_number_id, sent_at) "
            + "VALUES (s.wamid, s.order_key, s.kind, s.phone_number_id, s.sent_at)";
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, wamid);
        s.setString(2, orderKey);
        s.setString(3, kind);
        s.setString(4, phoneNumberId);
        s.setTimestamp(5, Timestamp.from(sentAt));
        return s.executeUpdate() > 0;
      }
    });
  }

  /**
   * A delivery status from the webhook. Creates the row when the sender has not written it yet (the status raced
   * ahead of it); otherwise updates only when newer.
   *
   * @return true when the status was newer and is now the recorded one
   */
  public CompletionStage<Boolean> recordDelivery(WebhookEvent.WhatsAppDelivery d) {
    String errors = d.errors() == null || d.errors().isEmpty() ? null : d.errors().stream()
        .map(e -> e.code() + (e.title() == null ? "" : " " + e.title())).collect(Collectors.joining("; "));
    if (errors != null && errors.length() > 1000) errors = errors.substring(0, 1000);
    String newer = newer("s");
    String sql = postgres()
        ? "INSERT INTO outbound_messages AS t (wamid, phone_number_id, status, status_rank, status_at, errors) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (wamid) DO UPDATE SET status = EXCLUDED.status, "
            + "status_rank = EXCLUDED.status_rank, status_at = EXCLUDED.status_at, errors = EXCLUDED.errors WHERE "
            + newer("EXCLUDED")
        : "MERGE INTO outbound_messages t USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(128)), "
            + "CAST(? AS VARCHAR(16)), CAST(? AS INTEGER), CAST(? AS TIMESTAMP WITH TIME ZONE), "
            + "CAST(? AS VARCHAR(1000)))) s(wamid, phone_number_id, status, status_rank, status_at, errors) "
            + "ON t.wamid = s.wamid WHEN MATCHED AND " + newer + " THEN UPDATE SET status = s.status, "
            + "status_rank = s.status_rank, status_at = s.status_at, errors = s.errors "
            + "WHEN NOT MATCHED THEN INSERT (wamid, phone_number_id, status, status_rank, status_at, errors) "
            + "VALUES (s.wamid, s.phone_number_id, s.status, s.status_rank, s.status_at, s.errors)";
    String errorText = errors;
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, d.messageId());
        s.setString(2, d.phoneNumberId());
        s.setString(3, d.status() == null ? null : d.status().toLowerCase(Locale.ROOT));
        s.setInt(4, rank(d.status()));
        s.setTimestamp(5, Timestamp.from(d.at() == null || d.at().equals(Instant.EPOCH) ? Instant.now() : d.at()));
        if (errorText == null) s.setNull(6, Types.VARCHAR); else s.setString(6, errorText);
        return s.executeUpdate() > 0;
      }
    });
  }

  /** The status in {@code incoming} is newer than the one in {@code t}: later timestamp, or same and higher rank. */
  private static String newer(String incoming) {
    String i = incoming + ".";
    return "(t.status_at IS NULL OR " + i + "status_at > t.status_at OR (" + i + "status_at = t.status_at AND "
        + i + "status_rank > t.status_rank))";
  }

  /** Every message sent for the order, with its latest delivery status. */
  public CompletionStage<List<Message>> forOrder(String orderKey) {
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT wamid, order_key, kind, status, status_at, errors "
          + "FROM outbound_messages WHERE order_key = ? ORDER BY sent_at")) {
        s.setString(1, orderKey);
        List<Message> result = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            Timestamp at = rs.getTimestamp(5);
            result.add(new Message(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                at == null ? null : at.toInstant(), rs.getString(6)));
          }
        }
        return result;
      }
    });
  }
}

package marketplace;

import common.Channel;
import infra.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Buyers' free-text messages (WhatsApp), stored for an operator. Written before the webhook is answered, once per
 * message id (WhatsApp delivers at least once). JDBC runs on the database's blocking dispatcher.
 */
public final class InboundMessages {

  public record Message(String messageId, Channel channel, String shopId, String fromPhone, String fromName,
                        String body, Instant receivedAt) {}

  private final Database database;

  public InboundMessages(Database database) {
    this.database = database;
  }

  /** @return true when the message was new */
  public CompletionStage<Boolean> record(Message m) {
    String sql = "postgres".equals(database.profile())
        ? "INSERT INTO inbound_messages (message_id, channel, shop_id, from_phone, from_name, body, received_at) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING"
        : "MERGE INTO inbound_messages (message_id, channel, shop_id, from_phone, from_name, body, received_at) "
            + "KEY (message_id) VALUES (?, ?, ?, ?, ?, ?, ?)";
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, m.messageId());
        s.setString(2, m.channel().key());
        s.setString(3, m.shopId());
        s.setString(4, m.fromPhone());
        s.setString(5, m.fromName());
        s.setString(6, m.body());
        s.setTimestamp(7, Timestamp.from(m.receivedAt() == null ? Instant.now() : m.receivedAt()));
        return s.executeUpdate() > 0;
      }
    });
  }

  public CompletionStage<List<Message>> latest(int limit) {
    return database.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT message_id, channel, shop_id, from_phone, from_name, body, "
          + "received_at FROM inbound_messages ORDER BY received_at DESC LIMIT ?")) {
        s.setInt(1, limit);
        List<Message> result = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            result.add(new Message(rs.getString(1), Channel.fromKey(rs.getString(2)), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()));
          }
        }
        return result;
      }
    });
  }
}

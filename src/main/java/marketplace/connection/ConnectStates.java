package marketplace.connection;

import common.Channel;
import infra.Database;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * The one-time {@code state} values of onboarding links ({@code connect_states}): issued with a link, accepted by the
 * public redirect endpoint once, within 10 minutes, for the channel it was issued for. The redirect may reach any
 * node, so they live in the database; using one is a single conditional UPDATE, so two reloads cannot both use it.
 */
final class ConnectStates {
  static final Duration LIFETIME = Duration.ofMinutes(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Why a state was refused (ACCEPTED when it was used now). */
  enum Use { ACCEPTED, UNKNOWN, REUSED, EXPIRED }

  private final Database database;
  private final Clock clock;

  ConnectStates(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  CompletionStage<String> issue(Channel channel) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String state = HexFormat.of().formatHex(bytes);
    long now = clock.millis();
    return database.withConnection(c -> {
      try (PreparedStatement prune = c.prepareStatement("DELETE FROM connect_states WHERE created_at < ?")) {
        prune.setLong(1, now - Duration.ofDays(1).toMillis()); // kept a day, so a late reuse is told "reused"
        prune.executeUpdate();
      }
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO connect_states (state, channel, created_at) VALUES (?, ?, ?)")) {
        insert.setString(1, state);
        insert.setString(2, channel.key());
        insert.setLong(3, now);
        insert.executeUpdate();
      }
      return state;
    });
  }

  CompletionStage<Use> use(Channel channel, String state) {
    long now = clock.millis();
    return database.withConnection(c -> {
      try (PreparedStatement update = c.prepareStatement("UPDATE connect_states SET used_at = ? WHERE state = ? "
          + "AND channel = ? AND used_at IS NULL AND created_at >= ?")) {
        update.setLong(1, now);
        update.setString(2, state);
        update.setString(3, channel.key());
        update.setLong(4, now - LIFETIME.toMillis());
        if (update.executeUpdate() == 1) return Use.ACCEPTED;
      }
      try (PreparedStatement q = c.prepareStatement(
          "SELECT used_at, created_at FROM connect_states WHERE state = ? AND channel = ?")) {
        q.setString(1, state);
        q.setString(2, channel.key());
        try (ResultSet rs = q.executeQuery()) {
          if (!rs.next()) return Use.UNKNOWN;
          rs.getLong(1);
          if (!rs.wasNull()) return Use.REUSED;
          return Use.EXPIRED;
        }
      }
    });
  }

  Instant expiresAt(Instant issued) {
    return issued.plus(LIFETIME);
  }
}

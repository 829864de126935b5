package tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Instant;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Listens on the stock board's Redis channel the way a storefront would, and measures for each published change the
 * time from the SKU write ({@code updatedAt} in the message) to the message arriving here. Same machine, same clock.
 */
final class BoardWatcher implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RedisClient client;
  private final StatefulRedisPubSubConnection<String, String> connection;
  private final Histogram micros = new ConcurrentHistogram(3_600_000_000L, 3);
  private volatile boolean recording;

  BoardWatcher(String redisUri, String channel) {
    this.client = RedisClient.create(redisUri);
    this.connection = client.connectPubSub();
    connection.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String ch, String message) {
        if (!recording) return;
        long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        try {
          JsonNode m = JSON.readTree(message);
          Instant at = Instant.parse(m.path("updatedAt").asText());
          long written = at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
          micros.recordValue(Math.max(1, now - written));
        } catch (Exception ignored) {
          // not a board message
        }
      }
    });
    connection.sync().subscribe(channel);
  }

  /** From now on, changes count. */
  void start() {
    micros.reset();
    recording = true;
  }

  Histogram latencies() {
    return micros;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}

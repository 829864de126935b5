package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real Redis is reachable through Lettuce: a hash round trip and a published message. */
class RedisRoundTripTest {
  static final String REDIS_URI = System.getenv().getOrDefault("ORCH_TEST_REDIS_URI", "redis://127.0.0.1:6379");

  @Test
  void hashAndPublishRoundTrip() throws Exception {
    RedisClient client = RedisClient.create(REDIS_URI);
    try (StatefulRedisConnection<String, String> connection = client.connect();
         StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub()) {
      String key = "test:" + UUID.randomUUID();
      connection.sync().hset(key, Map.of("on_hand", "7", "reserved", "2"));
      assertEquals(Map.of("on_hand", "7", "reserved", "2"), connection.sync().hgetall(key));

      CompletableFuture<String> received = new CompletableFuture<>();
      pubSub.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          if (channel.equals(key)) received.complete(message);
        }
      });
      pubSub.sync().subscribe(key);
      connection.sync().publish(key, "hello");
      assertEquals("hello", received.get(5, TimeUnit.SECONDS));
      connection.sync().del(key);
    } finally {
      client.shutdown();
    }
  }
}

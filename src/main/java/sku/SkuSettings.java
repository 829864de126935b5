package sku;

import com.typesafe.config.Config;
import java.time.Duration;

/** The SKU entity's settings ({@code orchestrator.sku} in sku.conf). */
public record SkuSettings(int maxBatchSize, int maxBuffered, int snapshotEvery, int keepSnapshots,
                          int finishedKeysKept, Duration finishedKeysFor, Duration batchTimeout, Duration restartBackoffMin,
                          Duration restartBackoffMax, String readJournal, Linger linger, Duration passivateIdleAfter) {
  public static SkuSettings from(Config config) {
    Config c = config.getConfig("orchestrator.sku");
    return new SkuSettings(c.getInt("max-batch-size"), c.getInt("max-buffered"), c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"), c.getInt("finished-keys-kept"), c.getDuration("finished-keys-for"),
        c.getDuration("batch-timeout"),
        c.getDuration("restart-backoff-min"), c.getDuration("restart-backoff-max"), c.getString("read-journal"),
        new Linger(c.getDuration("linger.max"), c.getInt("linger.min-batch")), c.getDuration("passivate-idle-after"));
  }

  public SkuSettings withLinger(Linger linger) {
    return new SkuSettings(maxBatchSize, maxBuffered, snapshotEvery, keepSnapshots, finishedKeysKept, finishedKeysFor,
        batchTimeout, restartBackoffMin, restartBackoffMax, readJournal, linger, passivateIdleAfter);
  }

  FinishedKeys.Bound finishedKeyBound() {
    return new FinishedKeys.Bound(finishedKeysKept, finishedKeysFor);
  }

  /**
   * After a write of at least {@code minBatch} commands (a SKU under load) the front waits up to {@code max} for the
   * callers it just answered before sending the next batch, and stops waiting as soon as as many commands are
   * buffered as were written plus already waiting. Zero {@code max} turns it off.
   */
  public record Linger(Duration max, int minBatch) {
    public static final Linger OFF = new Linger(Duration.ZERO, Integer.MAX_VALUE);

    public boolean on() {
      return !max.isZero() && !max.isNegative();
    }
  }
}

package tools.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Progress printed from many threads, each with its own count, never steps back (the demo's 7 % → 6 %). */
class ProgressTest {
  @Test
  void progressNeverStepsBackUnderConcurrentCompletions() throws Exception {
    List<Integer> printed = new ArrayList<>();
    Progress progress = new Progress(printed::add); // called under the Progress lock
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      Thread worker = new Thread(() -> {
        Random random = new Random(seed);
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 2000; i++) progress.report(random.nextInt(101)); // completions seen out of order
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread w : workers) w.join();
    assertFalse(printed.isEmpty());
    for (int i = 1; i < printed.size(); i++) {
      assertTrue(printed.get(i) > printed.get(i - 1), "stepped back at " + i + ": " + printed);
    }
    assertEquals(100, printed.get(printed.size() - 1));
  }
}

package tools.demo;

import java.util.function.IntConsumer;

/**
 * A progress figure that never steps back: concurrent completions report their own counts in whatever order their
 * threads get to it, and only a count above the last one printed is printed (the demo's catalogue bar went
 * 7 % → 6 % when two completions printed out of order).
 */
public final class Progress {
  private final IntConsumer print;
  private int shown = Integer.MIN_VALUE;

  /** @param print prints one figure (called under this object's lock, in increasing order) */
  public Progress(IntConsumer print) {
    this.print = print;
  }

  /** Prints {@code value} when it is above every value printed before; returns whether it did. */
  public synchronized boolean report(int value) {
    if (value <= shown) return false;
    shown = value;
    print.accept(value);
    return true;
  }
}

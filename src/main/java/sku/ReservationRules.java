package sku;

import static sku.SkuState.applyChange;
import static sku.SkuState.available;

import java.util.List;
import sku.SkuEntity.ClearHoldAccepted;
import sku.SkuEntity.Commit;
import sku.SkuEntity.CommitAccepted;
import sku.SkuEntity.RefusalReason;
import sku.SkuEntity.Release;
import sku.SkuEntity.ReleaseAccepted;
import sku.SkuEntity.Reservation;
import sku.SkuEntity.ReservationCommand;
import sku.SkuEntity.ReservationRefused;
import sku.SkuEntity.ReservationReply;
import sku.SkuEntity.Reserve;
import sku.SkuEntity.ReserveAccepted;
import sku.SkuEntity.ReturnToStock;
import sku.SkuEntity.ReturnToStockAccepted;
import sku.SkuEvents.Change;
import sku.SkuState.Book;
import sku.SkuState.Finished;
import sku.SkuState.Outcome;
import sku.SkuState.State;

/**
 * The one rule book of the reservation commands (reserve, release, commit, clear hold, return to stock): what each
 * one answers and which change it records. Pure: it changes only the book and the list of changes it is given, so
 * it is tested without an actor or a database.
 */
final class ReservationRules {
  private ReservationRules() {}

  /**
   * Decides one reservation command against {@code book}: appends the resulting change (if any) to {@code changes},
   * applies it to {@code book} and returns the answer for the caller.
   */
  static ReservationReply decide(State state, Book book, ReservationCommand command, List<Change> changes) {
    String sku = state.sku();
    String key = command.orderKey();
    int available = available(book.onHand(), book.reserved(), state.safetyStock());
    Reservation held = key == null ? null : book.reservation(key);
    Finished done = key == null ? null : book.finished(key);
    if (key == null || key.isBlank()) {
      return new ReservationRefused(sku, String.valueOf(key), RefusalReason.INVALID_QUANTITY, available, "order key is empty");
    }
    if (command instanceof Reserve r) {
        if (!state.exists()) {
          return new ReservationRefused(sku, key, RefusalReason.UNKNOWN_SKU, 0, "SKU " + sku + " is not known (no stock set, no listing)");
        }
        if (held != null) return new ReserveAccepted(sku, key, held.quantity()); // the original answer, nothing changes
        if (done != null) {
          return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
              "order " + key + " already " + done.outcome().name().toLowerCase() + " its reservation");
        }
        if (r.quantity() <= 0) {
          return new ReservationRefused(sku, key, RefusalReason.INVALID_QUANTITY, available, "quantity must be positive, was " + r.quantity());
        }
        if (r.quantity() > available) {
          return new ReservationRefused(sku, key, RefusalReason.INSUFFICIENT_STOCK, available,
              "asked " + r.quantity() + ", available " + available);
        }
        String listing = book.sharing() ? book.shareListing(key) : null;
        if (listing != null && !Shares.marketplaceSells(listing)) {
          // Not sold by a marketplace (WhatsApp, phone): it may take its own share and the unshared units, never
          // units a marketplace listing may be selling right now.
          int own = Math.max(0, book.exposure(listing));
          int unshared = Math.max(0, available - book.exposureTotal());
          if (r.quantity() > own + unshared) {
            return new ReservationRefused(sku, key, RefusalReason.INSUFFICIENT_STOCK, own + unshared,
                "asked " + r.quantity() + ", this channel may sell " + (own + unshared) + " (its share " + own
                    + ", unshared " + unshared + "; the rest is shown on the marketplaces)");
          }
        }
        return record(book, changes, new Change.Reserved(key, r.quantity(), r.holdUntil()),
            new ReserveAccepted(sku, key, r.quantity()));
    } else if (command instanceof Release) {
        if (held == null) {
          if (done != null && done.outcome() == Outcome.COMMITTED) {
            return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                "order " + key + " was committed (shipped); a return is a stock adjustment");
          }
          if (done != null || !state.exists()) return new ReleaseAccepted(sku, key, 0); // the original answer
          // Nothing known of this order here: the release is recorded all the same (a tombstone), so a reservation
          // still on its way can never land after it. Seen in the PostgreSQL-outage fault test: a journal write that
          // Akka had given up on committed late, after a restarted SKU had answered the order's release "nothing
          // held"; the order ended OUT_OF_STOCK and its units stayed reserved. Now such a late write and the
          // tombstone compete for the same sequence number (one fails and the SKU recovers), and a Reserve retried
          // after the release is refused ALREADY_FINISHED.
          return record(book, changes, new Change.Released(key, 0), new ReleaseAccepted(sku, key, 0));
        }
        return record(book, changes, new Change.Released(key, held.quantity()), new ReleaseAccepted(sku, key, held.quantity()));
    } else if (command instanceof Commit) {
        if (held == null) {
          if (done != null && done.outcome() == Outcome.COMMITTED) return new CommitAccepted(sku, key, done.quantity());
          if (done != null) {
            return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                "order " + key + " was " + done.outcome().name().toLowerCase() + ", nothing to commit");
          }
          return new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available, "order " + key + " holds no reservation");
        }
        return record(book, changes, new Change.Committed(key, held.quantity()), new CommitAccepted(sku, key, held.quantity()));
    } else if (command instanceof ReturnToStock r) {
        if (done != null && done.outcome() == Outcome.RETURNED) return new ReturnToStockAccepted(sku, key, done.quantity());
        if (held != null || (done != null && done.outcome() != Outcome.COMMITTED)) {
          return new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available,
              "order " + key + " was not shipped from this SKU; nothing to return");
        }
        if (r.quantity() <= 0) {
          return new ReservationRefused(sku, key, RefusalReason.INVALID_QUANTITY, available,
              "quantity must be positive, was " + r.quantity());
        }
        return record(book, changes, new Change.Returned(key, r.quantity(), r.actor()),
            new ReturnToStockAccepted(sku, key, r.quantity()));
    } else {
        if (held == null) {
          return done != null
              ? new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                  "order " + key + " was " + done.outcome().name().toLowerCase())
              : new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available, "order " + key + " holds no reservation");
        }
        if (held.holdUntil() == null) return new ClearHoldAccepted(sku, key);
        return record(book, changes, new Change.HoldCleared(key), new ClearHoldAccepted(sku, key));
    }
  }

  private static ReservationReply record(Book book, List<Change> changes, Change change, ReservationReply reply) {
    changes.add(change);
    applyChange(book, change);
    return reply;
  }
}

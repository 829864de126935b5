-- What the last failed push of a listing leads to (marketplace.stock.ListingSyncStore): the error class
-- (marketplace.FailureClass) and the handling: retrying, failed (max-retries reached), blocked (until a change or a
-- push now), paused (the shop's pause). Both null for acknowledged values and for rows written before. Additive and
-- idempotent: existing databases are upgraded in place.
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS failure_class VARCHAR(32);
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS handling VARCHAR(16);

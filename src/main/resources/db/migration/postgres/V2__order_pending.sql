-- What an order still waits for, as readside.ledger.OrderLedger derives it from the order's events (bit 1: a step of
-- its saga, such as a SKU's answer, a marketplace cancellation or a restock; bit 2: a buyer message not yet sent):
-- readside.ledger.OrderSweeper wakes only such orders. Before, it woke every order in a waiting phase, including
-- out-of-stock orders long done, oldest first, 2,000 per sweep: a long sale's done orders were woken forever and
-- newer waiting ones never reached.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS pending INTEGER DEFAULT 0 NOT NULL;
-- Existing rows: as the sweeper chased them before, for a day after their last step (what still waits a day later
-- waits for an operator, whose command wakes the order), and buyer messages for 10 minutes.
UPDATE orders SET pending = 1 WHERE status IN ('NOTIFIED', 'RESERVING', 'NEEDS_MAPPING', 'OUT_OF_STOCK', 'SHIPPING',
  'CANCELLING', 'RETURNED') AND updated_at > now() - INTERVAL '1 day';
UPDATE orders SET pending = 2 WHERE status IN ('CONFIRMED', 'SHIPPED') AND updated_at > now() - INTERVAL '10 minutes';
CREATE INDEX IF NOT EXISTS orders_pending_idx ON orders (pending, updated_at);

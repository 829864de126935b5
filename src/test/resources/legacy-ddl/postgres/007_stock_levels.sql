-- Read side of SKU stock ("what is left, per SKU"), filled by readside.StockLevelProjection from the SKU events.
-- Idempotent. Unquoted names on purpose: the same SQL runs on PostgreSQL (lower-cased) and H2 (upper-cased).
-- (005/006 are taken by another branch.)
CREATE TABLE IF NOT EXISTS stock_levels (
  sku VARCHAR(128) NOT NULL,
  on_hand INTEGER NOT NULL,
  reserved INTEGER NOT NULL,
  safety_stock INTEGER NOT NULL,
  -- on_hand - reserved - safety_stock, never below 0: what the low-stock filter compares
  available INTEGER NOT NULL,
  -- number of listings (channel and shop) the SKU is sold on
  listings INTEGER NOT NULL,
  -- JSON object: listing key ("shopee:shop-1") -> quantity that listing shows after the push rules
  shown TEXT NOT NULL,
  -- JSON of the listings and push rules: what the next event needs to compute shown again
  detail TEXT NOT NULL,
  last_event_seq BIGINT NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (sku)
);

CREATE INDEX IF NOT EXISTS stock_levels_available_idx ON stock_levels (available, sku);

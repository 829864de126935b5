-- Stock sync status per listing (H2, same columns as PostgreSQL) (adapters.ListingSyncStore): the last value pushed to the marketplace, whether it
-- acknowledged it, the last error and the attempts for the current value. One row per SKU listing
-- (listing_key = sku|channel:shop). Written by the shop adapters, read by the admin API and the reconciler.
CREATE TABLE IF NOT EXISTS listing_sync (
  listing_key VARCHAR(255) PRIMARY KEY,
  sku VARCHAR(64) NOT NULL,
  channel VARCHAR(16) NOT NULL,
  shop_id VARCHAR(128) NOT NULL,
  last_value INTEGER,
  last_event_seq BIGINT NOT NULL,
  pushed_at TIMESTAMP WITH TIME ZONE,
  acknowledged BOOLEAN NOT NULL,
  last_error VARCHAR(1000),
  attempts INTEGER NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS listing_sync_sku_idx ON listing_sync (sku);

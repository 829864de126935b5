-- Buyers' personal data (name, phone, address), kept out of the event journal and erased after its retention
-- (Shopee Data Protection Policy §10.6: at most 90 days). Erasure empties the values and keeps the row, so the ledger
-- can say "erased" and when.
CREATE TABLE IF NOT EXISTS buyer_data (
  order_key VARCHAR(512) PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  buyer_name VARCHAR(255),
  buyer_phone VARCHAR(32),
  shipping_address TEXT,
  recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
  erase_after TIMESTAMP WITH TIME ZONE NOT NULL,
  erased_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX IF NOT EXISTS buyer_data_erase_idx ON buyer_data (erase_after) WHERE erased_at IS NULL;

-- Read side of orders ("the spreadsheet, replaced"), filled by readside.OrderProjection from the order events.
-- Idempotent. Unquoted names on purpose: the same SQL runs on PostgreSQL (lower-cased) and H2 (upper-cased).
CREATE TABLE IF NOT EXISTS orders (
  order_key VARCHAR(400) NOT NULL,
  channel VARCHAR(16) NOT NULL,
  shop_id VARCHAR(128) NOT NULL,
  order_id VARCHAR(128) NOT NULL,
  status VARCHAR(32) NOT NULL,
  market_status VARCHAR(32),
  buyer_name VARCHAR(512),
  buyer_phone VARCHAR(64),
  currency VARCHAR(8),
  total_amount NUMERIC(19, 4),
  tracking_number VARCHAR(128),
  problem VARCHAR(1000),
  -- line references without a SKU code (newline-separated): why an order NEEDS_MAPPING
  unmapped_lines VARCHAR(4000),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  confirmed_at TIMESTAMP WITH TIME ZONE,
  shipped_at TIMESTAMP WITH TIME ZONE,
  last_event_seq BIGINT NOT NULL,
  PRIMARY KEY (order_key)
);

-- The admin filters: status, channel and shop, each with the created_at range; created_at alone for the default list.
CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at, order_key);
CREATE INDEX IF NOT EXISTS orders_status_created_idx ON orders (status, created_at);
CREATE INDEX IF NOT EXISTS orders_channel_shop_created_idx ON orders (channel, shop_id, created_at);

CREATE TABLE IF NOT EXISTS order_lines (
  order_key VARCHAR(400) NOT NULL,
  sku VARCHAR(128) NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price NUMERIC(19, 4),
  -- PENDING, UNKNOWN_SKU, RESERVED, RELEASED, COMMITTED or RESTOCKED: what the SKU answered for this line
  line_state VARCHAR(16) NOT NULL,
  PRIMARY KEY (order_key, sku)
);

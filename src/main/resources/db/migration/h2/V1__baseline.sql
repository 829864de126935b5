-- Version 1: the schema as ddl/h2/ (applied by infra.SchemaApplier until Flyway) left it, its twelve scripts
-- concatenated unchanged in the order of ddl/h2/scripts.txt. Every statement is idempotent on purpose and must
-- stay so: a database made before Flyway (no flyway_schema_history) gets this script re-applied statement by
-- statement to complete it, then is baselined at 1 (infra.SchemaMigrator). Never edit a released migration
-- (Flyway checks its checksum): a change is a new V<n>__<what>.sql next to this one.

-- ======================================================================= 001_journal.sql (was ddl/h2/001_journal.sql)
-- Akka Persistence JDBC 5.2.1 journal, tags and snapshots (H2, embedded default). Idempotent.
CREATE TABLE IF NOT EXISTS "event_journal" (
  "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
  "deleted" BOOLEAN DEFAULT false NOT NULL,
  "persistence_id" VARCHAR(255) NOT NULL,
  "sequence_number" BIGINT NOT NULL,
  "writer" VARCHAR NOT NULL,
  "write_timestamp" BIGINT NOT NULL,
  "adapter_manifest" VARCHAR NOT NULL,
  "event_payload" BLOB NOT NULL,
  "event_ser_id" INTEGER NOT NULL,
  "event_ser_manifest" VARCHAR NOT NULL,
  "meta_payload" BLOB,
  "meta_ser_id" INTEGER,
  "meta_ser_manifest" VARCHAR,
  PRIMARY KEY ("persistence_id", "sequence_number")
);

CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx" ON "event_journal" ("ordering");

CREATE TABLE IF NOT EXISTS "event_tag" (
  "event_id" BIGINT NOT NULL,
  "tag" VARCHAR NOT NULL,
  PRIMARY KEY ("event_id", "tag"),
  CONSTRAINT "fk_event_journal" FOREIGN KEY ("event_id") REFERENCES "event_journal" ("ordering") ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS "event_tag_tag_event_id_idx" ON "event_tag" ("tag", "event_id");

CREATE TABLE IF NOT EXISTS "snapshot" (
  "persistence_id" VARCHAR(255) NOT NULL,
  "sequence_number" BIGINT NOT NULL,
  "created" BIGINT NOT NULL,
  "snapshot_ser_id" INTEGER NOT NULL,
  "snapshot_ser_manifest" VARCHAR NOT NULL,
  "snapshot_payload" BLOB NOT NULL,
  "meta_ser_id" INTEGER,
  "meta_ser_manifest" VARCHAR,
  "meta_payload" BLOB,
  PRIMARY KEY ("persistence_id", "sequence_number")
);

-- ======================================================================= 002_projections.sql (was ddl/h2/002_projections.sql)
-- Akka Projection 1.4.0 JDBC offset store and management (H2; lower-case names as use-lowercase-schema expects).
CREATE TABLE IF NOT EXISTS "akka_projection_offset_store" (
  "projection_name" VARCHAR(255) NOT NULL,
  "projection_key" VARCHAR(255) NOT NULL,
  "current_offset" VARCHAR(255) NOT NULL,
  "manifest" VARCHAR(4) NOT NULL,
  "mergeable" BOOLEAN NOT NULL,
  "last_updated" BIGINT NOT NULL,
  PRIMARY KEY ("projection_name", "projection_key")
);

CREATE INDEX IF NOT EXISTS "projection_name_index" ON "akka_projection_offset_store" ("projection_name");

CREATE TABLE IF NOT EXISTS "akka_projection_management" (
  "projection_name" VARCHAR(255) NOT NULL,
  "projection_key" VARCHAR(255) NOT NULL,
  "paused" BOOLEAN NOT NULL,
  "last_updated" BIGINT NOT NULL,
  PRIMARY KEY ("projection_name", "projection_key")
);

-- ======================================================================= 003_read_side.sql (was ddl/h2/003_read_side.sql)
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

-- ======================================================================= 004_inbound_messages.sql (was ddl/h2/004_inbound_messages.sql)
-- Buyers' WhatsApp text messages, kept for an operator to read (H2, same columns as PostgreSQL).
CREATE TABLE IF NOT EXISTS inbound_messages (
  message_id VARCHAR(255) PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  shop_id VARCHAR(128) NOT NULL,
  from_phone VARCHAR(32) NOT NULL,
  from_name VARCHAR(255),
  body CLOB,
  received_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS inbound_messages_received_idx ON inbound_messages (received_at);

-- ======================================================================= 005_outbound_messages.sql (was ddl/h2/005_outbound_messages.sql)
-- (H2, same columns as PostgreSQL) WhatsApp messages this service sent to buyers (adapters.WhatsAppSender writes a row right after WhatsApp accepted
-- one) and their latest delivery status (adapters.OrderIntake, from the status webhook). Delivery statuses carry only
-- our wamid: this is how they find their order. A status for a wamid not (yet) known creates the row without an
-- order; the sender's insert then fills order_key and kind in. status_rank (sent 1, delivered 2, read 3, failed 4)
-- breaks ties between statuses with the same timestamp (WhatsApp timestamps are whole seconds).
CREATE TABLE IF NOT EXISTS outbound_messages (
  wamid VARCHAR(255) PRIMARY KEY,
  order_key VARCHAR(512),
  kind VARCHAR(32),
  phone_number_id VARCHAR(128),
  sent_at TIMESTAMP WITH TIME ZONE,
  status VARCHAR(16),
  status_rank INTEGER NOT NULL DEFAULT 0,
  status_at TIMESTAMP WITH TIME ZONE,
  errors VARCHAR(1000)
);

CREATE INDEX IF NOT EXISTS outbound_messages_order_idx ON outbound_messages (order_key, kind);

-- ======================================================================= 006_listing_sync.sql (was ddl/h2/006_listing_sync.sql)
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

-- ======================================================================= 007_stock_levels.sql (was ddl/h2/007_stock_levels.sql)
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
  shown VARCHAR NOT NULL,
  -- JSON of the listings and push rules: what the next event needs to compute shown again
  detail VARCHAR NOT NULL,
  last_event_seq BIGINT NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (sku)
);

CREATE INDEX IF NOT EXISTS stock_levels_available_idx ON stock_levels (available, sku);

-- ======================================================================= 010_listing_sync_classes.sql (was ddl/h2/010_listing_sync_classes.sql)
-- What the last failed push of a listing leads to (marketplace.stock.ListingSyncStore): the error class
-- (marketplace.FailureClass) and the handling: retrying, failed (max-retries reached), blocked (until a change or a
-- push now), paused (the shop's pause). Both null for acknowledged values and for rows written before. Additive and
-- idempotent: existing databases are upgraded in place.
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS failure_class VARCHAR(32);
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS handling VARCHAR(16);

-- ======================================================================= 011_buyer_data.sql (was ddl/h2/011_buyer_data.sql)
-- Buyers' personal data, kept out of the event journal and erased after its retention (H2, same columns as PostgreSQL).
CREATE TABLE IF NOT EXISTS buyer_data (
  order_key VARCHAR(512) PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  buyer_name VARCHAR(255),
  buyer_phone VARCHAR(32),
  shipping_address CLOB,
  recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
  erase_after TIMESTAMP WITH TIME ZONE NOT NULL,
  erased_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX IF NOT EXISTS buyer_data_erase_idx ON buyer_data (erase_after);

-- ======================================================================= 012_shop_connections.sql (was ddl/h2/012_shop_connections.sql)
-- Shop connections as their entities last recorded them (no secrets: tokens live encrypted in the journal), read by
-- every node to know which shops exist; and the one-time states of onboarding links (10 minutes, used once).
CREATE TABLE IF NOT EXISTS shop_connections (
  channel VARCHAR(16) NOT NULL,
  shop_id VARCHAR(64) NOT NULL,
  seq BIGINT NOT NULL,
  state VARCHAR(32) NOT NULL,
  shop_cipher VARCHAR(255),
  region VARCHAR(16),
  shop_name VARCHAR(255),
  access_expires_at BIGINT,
  refresh_expires_at BIGINT,
  authorisation_expires_at BIGINT,
  last_refresh_at BIGINT,
  last_refresh_outcome VARCHAR(255),
  reason VARCHAR(1000),
  source VARCHAR(16),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (channel, shop_id)
);

CREATE TABLE IF NOT EXISTS connect_states (
  state VARCHAR(64) PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);

-- Version 1: the schema as ddl/postgres/ (applied by infra.SchemaApplier until Flyway) left it, its twelve scripts
-- concatenated unchanged in the order of ddl/postgres/scripts.txt. Every statement is idempotent on purpose and must
-- stay so: a database made before Flyway (no flyway_schema_history) gets this script re-applied statement by
-- statement to complete it, then is baselined at 1 (infra.SchemaMigrator). Never edit a released migration
-- (Flyway checks its checksum): a change is a new V<n>__<what>.sql next to this one.

-- ======================================================================= 001_journal.sql (was ddl/postgres/001_journal.sql)
-- Akka Persistence JDBC 5.2.1 journal, tags and snapshots (PostgreSQL).
-- Idempotent: every statement can run again on an existing schema. Indexes are created without CONCURRENTLY
-- (the stock script's CONCURRENTLY cannot run inside a transaction and is pointless on an empty database).
CREATE TABLE IF NOT EXISTS event_journal (
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,
  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY (persistence_id, sequence_number)
);

CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON event_journal (ordering);

CREATE TABLE IF NOT EXISTS event_tag (
  event_id BIGINT,
  tag VARCHAR(256),
  PRIMARY KEY (event_id, tag),
  CONSTRAINT fk_event_journal FOREIGN KEY (event_id) REFERENCES event_journal (ordering) ON DELETE CASCADE
);

-- No (tag, event_id) index: see 009_event_tag_index.sql.

CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY (persistence_id, sequence_number)
);

-- ======================================================================= 002_projections.sql (was ddl/postgres/002_projections.sql)
-- Akka Projection 1.4.0 JDBC offset store and projection management (PostgreSQL).
CREATE TABLE IF NOT EXISTS akka_projection_offset_store (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  current_offset VARCHAR(255) NOT NULL,
  manifest VARCHAR(4) NOT NULL,
  mergeable BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY (projection_name, projection_key)
);

CREATE INDEX IF NOT EXISTS projection_name_index ON akka_projection_offset_store (projection_name);

CREATE TABLE IF NOT EXISTS akka_projection_management (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  paused BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY (projection_name, projection_key)
);

-- ======================================================================= 003_read_side.sql (was ddl/postgres/003_read_side.sql)
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

-- ======================================================================= 004_inbound_messages.sql (was ddl/postgres/004_inbound_messages.sql)
-- Buyers' WhatsApp text messages, kept for an operator to read (no order parsing from free text).
CREATE TABLE IF NOT EXISTS inbound_messages (
  message_id VARCHAR(255) PRIMARY KEY,
  channel VARCHAR(16) NOT NULL,
  shop_id VARCHAR(128) NOT NULL,
  from_phone VARCHAR(32) NOT NULL,
  from_name VARCHAR(255),
  body TEXT,
  received_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS inbound_messages_received_idx ON inbound_messages (received_at);

-- ======================================================================= 005_outbound_messages.sql (was ddl/postgres/005_outbound_messages.sql)
-- WhatsApp messages this service sent to buyers (adapters.WhatsAppSender writes a row right after WhatsApp accepted
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

-- ======================================================================= 006_listing_sync.sql (was ddl/postgres/006_listing_sync.sql)
-- Stock sync status per listing (adapters.ListingSyncStore): the last value pushed to the marketplace, whether it
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

-- ======================================================================= 007_stock_levels.sql (was ddl/postgres/007_stock_levels.sql)
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

-- ======================================================================= 008_statistics.sql (was ddl/postgres/008_statistics.sql)
-- Keep the planner's statistics of the journal fresh while it grows. eventsByTag (every projection, several times
-- a second) joins event_journal and event_tag over an ordering range; with statistics from when the tables were
-- small, PostgreSQL sorts the whole range instead of walking the indexes: measured on a fresh database during a
-- flash sale, 100 ms per query (4-6 s under load) against 7.5 ms after ANALYZE. The default trigger (50 rows + 10 %)
-- waits too long early on and, on a large journal, for millions of rows. Idempotent.
ALTER TABLE event_journal SET (autovacuum_analyze_threshold = 1000, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE event_tag SET (autovacuum_analyze_threshold = 1000, autovacuum_analyze_scale_factor = 0.02);

-- ======================================================================= 009_event_tag_index.sql (was ddl/postgres/009_event_tag_index.sql)
-- eventsByTag (every projection, several times a second) joins event_tag to event_journal on event_id = ordering
-- and limits the ordering range; PostgreSQL does not carry that range over the join to event_tag. With an index on
-- (tag, event_id) the prepared statement's generic plan was a merge join reading the tag's index from its FIRST
-- entry on every poll: cost growing with the journal (2.4 ms a poll at 32,000 events, a third of PostgreSQL's
-- execution time in the flash-sale benchmark). Without it the plan walks the ordering range and probes the
-- primary key (event_id, tag): 0.5-0.7 ms at the same size, and proportional to the new events, not the history.
-- Databases created before this rule had that index (001 made it): drop it. Idempotent.
DROP INDEX IF EXISTS event_tag_tag_event_id_idx;

-- ======================================================================= 010_listing_sync_classes.sql (was ddl/postgres/010_listing_sync_classes.sql)
-- What the last failed push of a listing leads to (marketplace.stock.ListingSyncStore): the error class
-- (marketplace.FailureClass) and the handling: retrying, failed (max-retries reached), blocked (until a change or a
-- push now), paused (the shop's pause). Both null for acknowledged values and for rows written before. Additive and
-- idempotent: existing databases are upgraded in place.
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS failure_class VARCHAR(32);
ALTER TABLE listing_sync ADD COLUMN IF NOT EXISTS handling VARCHAR(16);

-- ======================================================================= 011_buyer_data.sql (was ddl/postgres/011_buyer_data.sql)
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

-- ======================================================================= 012_shop_connections.sql (was ddl/postgres/012_shop_connections.sql)
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

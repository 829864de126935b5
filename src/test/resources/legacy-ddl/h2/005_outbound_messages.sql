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

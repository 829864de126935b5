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

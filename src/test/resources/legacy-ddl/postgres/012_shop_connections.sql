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

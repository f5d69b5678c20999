-- Issue 17, point 2: no mail cannon. Acknowledgements are mail anyone can make us send.
-- ack_recipients: when an address (SHA-256 of its lower-case form) last got one; at most one per
--   [limits] ack_recipient_minutes.
-- ack_hours: per clock hour, acknowledgements sent and held back (same address too soon, or over the
--   hourly budget [limits] acks_per_hour); staff see what was held back.
CREATE TABLE ack_recipients (
    address_hash TEXT PRIMARY KEY NOT NULL,
    last_at TIMESTAMP NOT NULL
);
CREATE TABLE ack_hours (
    hour TIMESTAMP PRIMARY KEY NOT NULL,
    sent BIGINT NOT NULL DEFAULT 0,
    held_recipient BIGINT NOT NULL DEFAULT 0,
    held_budget BIGINT NOT NULL DEFAULT 0
);

-- Issue 17, point 6: the audit chain keyed with a secret kept outside the database. Records written
-- before are scheme 1 (plain SHA-256) and still verify; new ones are scheme 2 (HMAC-SHA256).
ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;

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

-- Audit rows are never changed or removed, and the chain head never moves back. The one way
-- around, for a retention of the trail itself (none today; README, "Audit trail"): in the same
-- transaction, SET LOCAL meldpunt.audit_retention = 'on'. Anything done that way is still found by
-- `meldpunt audit verify` against the checkpoints unless the chain is re-anchored.
CREATE FUNCTION meldpunt_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('meldpunt.audit_retention', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'audit_head' AND TG_OP = 'UPDATE'
       AND NEW.seq >= OLD.seq AND (NEW.seq > OLD.seq OR NEW.hash = OLD.hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION meldpunt_audit_guard();
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION meldpunt_audit_guard();

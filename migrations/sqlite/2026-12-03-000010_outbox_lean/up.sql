-- The outbox and the campaign messages take 100,000 rows in one campaign's transaction. Two changes
-- to their per-row cost, both measured with `cargo bench --bench notifications letters_queue`:
--
-- 1. CHECK (x IN ('a', 'b', 'c')) with more than two constants makes SQLite build a temporary
--    B-tree of the list on EVERY insert (about 3 µs a row here); the same rule as a chain of
--    comparisons costs nothing measurable. The tables are rebuilt with the rule written that way
--    (nothing references either table with a foreign key, so they can be rebuilt in place).
-- 2. Our Message-IDs are `<{outbox id}@{domain}>`: a bounce or a reply is matched through the
--    primary key in the local part (mailbox::store::outbox_by_message_ids), so the separate index on
--    message_id only cost every enqueue one more B-tree insert. It is not re-created.
CREATE TABLE outbox_rebuilt (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    organisation_id TEXT,
    incident_id TEXT,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'failed'),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT,
    smtp_response TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO outbox_rebuilt (id, kind, dedupe_key, organisation_id, incident_id, to_addr, subject,
    body_text, body_html, message_id, status, attempts, next_attempt_at, claimed_by, claimed_until,
    sent_at, last_error, smtp_response, created_at)
SELECT id, kind, dedupe_key, organisation_id, incident_id, to_addr, subject,
    body_text, body_html, message_id, status, attempts, next_attempt_at, claimed_by, claimed_until,
    sent_at, last_error, smtp_response, created_at
FROM outbox ORDER BY rowid;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_kind_status ON outbox (kind, status);

CREATE TABLE notice_messages_rebuilt (
    campaign_id TEXT NOT NULL REFERENCES notice_campaigns(id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL REFERENCES notice_recipients(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel = 'email' OR channel = 'letter'),
    outbox_id TEXT,
    status TEXT NOT NULL CHECK (status = 'queued' OR status = 'ready' OR status = 'printed'),
    printed_at TIMESTAMP,
    -- One B-tree only: a campaign queues 100,000 of these in one transaction. That nobody is in two
    -- campaigns of one incident is checked under the incident's lock (and for e-mails also by the
    -- outbox's unique dedupe key).
    PRIMARY KEY (campaign_id, recipient_id, channel)
) WITHOUT ROWID;
INSERT INTO notice_messages_rebuilt (campaign_id, recipient_id, incident_id, channel, outbox_id,
    status, printed_at)
SELECT campaign_id, recipient_id, incident_id, channel, outbox_id, status, printed_at
FROM notice_messages;
DROP TABLE notice_messages;
ALTER TABLE notice_messages_rebuilt RENAME TO notice_messages;

-- The rows every e-mail writes, made cheaper as the outbox was in 2026-12-03-000010_outbox_lean
-- (measured with `cargo bench --bench mail_intake`):
--
-- 1. CHECK (x IN ('a', 'b', 'c')) with more than two constants makes SQLite build a temporary
--    B-tree of the list on EVERY insert; written as a chain of comparisons it costs nothing
--    measurable. `mail_messages` and `attachments` are rebuilt with their rules written that way
--    (no table references either with a foreign key, so they can be rebuilt in place; their own
--    foreign keys are kept). The rules themselves are unchanged.
-- 2. The index on `mail_messages (message_id)` alone is not used: every lookup by Message-ID
--    also names the scope, and the UNIQUE (scope, message_id, content_sha256) index serves it.
--    It only cost every message one more B-tree insert and is not re-created.
CREATE TABLE mail_messages_rebuilt (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    source TEXT NOT NULL,
    message_id TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome = 'report' OR outcome = 'joined_report' OR outcome = 'joined_incident' OR outcome = 'auto_reply' OR outcome = 'bounce' OR outcome = 'own' OR outcome = 'quarantined'),
    reason TEXT,
    id_collision BOOLEAN NOT NULL DEFAULT FALSE,
    from_addr TEXT,
    subject TEXT,
    sent_at TIMESTAMP,
    report_id TEXT REFERENCES reports(id),
    incident_id TEXT REFERENCES incidents(id),
    outbox_id TEXT,
    details_json TEXT NOT NULL DEFAULT '{}',
    size_bytes BIGINT NOT NULL,
    raw BLOB NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (scope, message_id, content_sha256)
);
INSERT INTO mail_messages_rebuilt (id, scope, organisation_id, source, message_id, content_sha256,
    outcome, reason, id_collision, from_addr, subject, sent_at, report_id, incident_id, outbox_id,
    details_json, size_bytes, raw, received_at)
SELECT id, scope, organisation_id, source, message_id, content_sha256,
    outcome, reason, id_collision, from_addr, subject, sent_at, report_id, incident_id, outbox_id,
    details_json, size_bytes, raw, received_at
FROM mail_messages ORDER BY rowid;
DROP TABLE mail_messages;
ALTER TABLE mail_messages_rebuilt RENAME TO mail_messages;
CREATE INDEX mail_messages_quarantine ON mail_messages (outcome, received_at);
CREATE INDEX mail_messages_scan_pending ON mail_messages (received_at) WHERE reason LIKE 'attachments not scanned%';

CREATE TABLE attachments_rebuilt (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'application/pdf'),
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    mail_id TEXT,
    mail_part INTEGER
);
INSERT INTO attachments_rebuilt (id, report_id, filename, content_type, size_bytes, sha256, data,
    created_at, mail_id, mail_part)
SELECT id, report_id, filename, content_type, size_bytes, sha256, data, created_at, mail_id,
    mail_part
FROM attachments ORDER BY rowid;
DROP TABLE attachments;
ALTER TABLE attachments_rebuilt RENAME TO attachments;
CREATE INDEX attachments_report ON attachments (report_id);

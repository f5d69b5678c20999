-- The mailbox: every e-mail taken in, kept raw (the bytes themselves, in `raw`), with what became
-- of it. A Message-ID is stored once per organisation (`scope` = organisation id, or '' when the
-- mailbox has none); a different message under the same Message-ID (a forged collision) is kept as
-- its own row, told apart by the SHA-256 of its content and flagged.
CREATE TABLE mail_messages (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    source TEXT NOT NULL,
    message_id TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('report', 'joined_report', 'joined_incident', 'auto_reply', 'bounce', 'own', 'quarantined')),
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
CREATE INDEX mail_messages_quarantine ON mail_messages (outcome, received_at);
CREATE INDEX mail_messages_message_id ON mail_messages (message_id);
CREATE INDEX outbox_message_id ON outbox (message_id);

-- Notifications (issue 5): the organisation's settings for notices, drafts (AP answer set, letters and
-- e-mails to affected people) with the FG's sign-off bound to a SHA-256 of the rendered content, the
-- AP filings, recipients imported from CSV, campaigns with their per-recipient messages, and
-- per-kind gates (pause, messages per minute) that the outbox's claim honours.
CREATE TABLE notice_settings (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    contact_email TEXT,
    contact_phone TEXT,
    website TEXT,
    allow_self_signoff BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE notice_drafts (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('ap', 'communication')),
    kind TEXT NOT NULL,
    input_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'void', 'filed')),
    content_sha256 TEXT,
    decided_by TEXT REFERENCES users(id),
    decided_at TIMESTAMP,
    remarks TEXT,
    ap_number TEXT,
    filed_at TIMESTAMP,
    filed_by TEXT REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notice_drafts_incident ON notice_drafts (incident_id, created_at);

CREATE TABLE notice_recipients (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    line_no BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    postal_address TEXT,
    language TEXT NOT NULL,
    extra_json TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, dedupe_key)
);

CREATE TABLE notice_campaigns (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    draft_id TEXT NOT NULL REFERENCES notice_drafts(id),
    content_sha256 TEXT NOT NULL,
    per_minute INTEGER,
    emails BIGINT NOT NULL,
    letters BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE notice_messages (
    campaign_id TEXT NOT NULL REFERENCES notice_campaigns(id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL REFERENCES notice_recipients(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'letter')),
    outbox_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'ready', 'printed')),
    printed_at TIMESTAMP,
    -- One B-tree only: a campaign queues 100,000 of these in one transaction. That nobody is in two
    -- campaigns of one incident is checked under the incident's lock (and for e-mails also by the
    -- outbox's unique dedupe key).
    PRIMARY KEY (campaign_id, recipient_id, channel)
) WITHOUT ROWID;

CREATE TABLE outbox_gates (
    kind TEXT PRIMARY KEY,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    per_minute INTEGER,
    window_start TIMESTAMP NOT NULL,
    window_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_kind_status ON outbox (kind, status);

-- Core schema: organisations, staff, sessions, tokens, reports, incidents, audit chain, outbox.
-- Instants are UTC in TIMESTAMP columns; ids are UUIDv7 text; enums are TEXT with CHECK constraints.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kvk_number TEXT,
    address TEXT,
    fg_name TEXT,
    fg_email TEXT,
    fg_phone TEXT,
    fg_registration_number TEXT,
    processor_hours INTEGER,
    require_2fa BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    last_failed_at TIMESTAMP,
    locked_until TIMESTAMP,
    language TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('handler', 'fg', 'admin')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
CREATE INDEX memberships_org ON memberships (organisation_id, role);

CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE setup_codes (
    code_hash TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE counters (
    scope TEXT NOT NULL,
    year INTEGER NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (scope, year)
);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('new', 'triage', 'assessed', 'notification_pending', 'notified', 'remediation', 'closed', 'not_a_breach')),
    state_reason TEXT,
    breach_started_at TIMESTAMP,
    breach_ended_at TIMESTAMP,
    discovered_at TIMESTAMP,
    became_aware_at TIMESTAMP NOT NULL,
    awareness_established_by TEXT,
    awareness_how TEXT,
    ap_deadline TIMESTAMP NOT NULL,
    processor_name TEXT,
    processor_aware_at TIMESTAMP,
    processor_notice_at TIMESTAMP,
    processor_contract_hours INTEGER,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (organisation_id, reference)
);
CREATE INDEX incidents_deadline ON incidents (organisation_id, ap_deadline);

CREATE TABLE incident_handlers (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, user_id)
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel IN ('web_form', 'mailbox', 'staff', 'processor', 'api')),
    organisation_id TEXT REFERENCES organisations(id),
    organisation_hint TEXT,
    description TEXT NOT NULL,
    received_via TEXT CHECK (received_via IN ('letter', 'email', 'other')),
    received_on DATE,
    data_kinds TEXT NOT NULL DEFAULT '[]',
    action_taken TEXT CHECK (action_taken IN ('kept', 'destroyed', 'returned', 'forwarded')),
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    may_contact BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    follow_up_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'in_review', 'linked', 'closed')),
    incident_id TEXT REFERENCES incidents(id),
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_org_created ON reports (organisation_id, created_at);
CREATE INDEX reports_incident ON reports (incident_id);

-- Append-only, hash-chained audit trail. audit_head holds the chain's tip; appending locks it.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    organisation_id TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id, seq);

CREATE TABLE outbox (
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
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT,
    smtp_response TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- One row per (incident, escalation point): an escalation is enqueued once, never repeated.
CREATE TABLE clock_alerts (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    point TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    skipped BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (incident_id, point)
);

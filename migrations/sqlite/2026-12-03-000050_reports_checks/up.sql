-- Every report (form, mailbox, staff, API) paid for its CHECK (x IN (…)) rules: SQLite builds a
-- temporary B-tree of an IN list on every insert (see 2026-12-03-000010_outbox_lean and
-- 000040_mail_rows_lean). The rules are rewritten as comparison chains; they mean the same (a NULL
-- in a nullable column passes either way).
--
-- `reports` is a parent table: attachments and report_messages cascade from it, mail_messages and
-- others refer to it. With foreign keys on, DROP TABLE would delete the children's rows, so this
-- is SQLite's documented 12-step rebuild with foreign keys off, in a transaction of its own. The
-- rows keep their ids, so every reference stays valid. Run again after a crash between COMMIT and
-- diesel's bookkeeping, it does the same rebuild once more.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE reports_rebuilt (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel = 'web_form' OR channel = 'mailbox' OR channel = 'staff' OR channel = 'processor' OR channel = 'api'),
    organisation_id TEXT REFERENCES organisations(id),
    organisation_hint TEXT,
    description TEXT NOT NULL,
    received_via TEXT CHECK (received_via = 'letter' OR received_via = 'email' OR received_via = 'other'),
    received_on DATE,
    data_kinds TEXT NOT NULL DEFAULT '[]',
    action_taken TEXT CHECK (action_taken = 'kept' OR action_taken = 'destroyed' OR action_taken = 'returned' OR action_taken = 'forwarded'),
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    may_contact BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL DEFAULT 'nl' CHECK (language = 'nl' OR language = 'en'),
    follow_up_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status = 'received' OR status = 'in_review' OR status = 'linked' OR status = 'closed'),
    incident_id TEXT REFERENCES incidents(id),
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO reports_rebuilt (id, reference, channel, organisation_id, organisation_hint,
    description, received_via, received_on, data_kinds, action_taken, contact_name, contact_email,
    contact_phone, may_contact, language, follow_up_hash, status, incident_id, created_by,
    created_at, updated_at)
SELECT id, reference, channel, organisation_id, organisation_hint,
    description, received_via, received_on, data_kinds, action_taken, contact_name, contact_email,
    contact_phone, may_contact, language, follow_up_hash, status, incident_id, created_by,
    created_at, updated_at
FROM reports ORDER BY rowid;
DROP TABLE reports;
ALTER TABLE reports_rebuilt RENAME TO reports;
CREATE INDEX reports_org_created ON reports (organisation_id, created_at);
CREATE INDEX reports_incident ON reports (incident_id);
COMMIT;
PRAGMA foreign_keys = ON;

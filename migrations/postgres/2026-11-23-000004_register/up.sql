-- The breach register (Art. 33(5)), remediation, the processing register (Art. 30) and retention.

-- When the incident reached "notified" (the AP notification's filing time), when it was closed,
-- what was learned, why it was closed with measures still open, and when its evidence was purged.
ALTER TABLE incidents ADD COLUMN notified_at TIMESTAMP;
ALTER TABLE incidents ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE incidents ADD COLUMN lessons_learned TEXT;
ALTER TABLE incidents ADD COLUMN close_override_reason TEXT;
ALTER TABLE incidents ADD COLUMN evidence_purged_at TIMESTAMP;

-- Retention per organisation: the register entry for N years after closing; the evidence
-- (attachments, contact details, free text) until closing plus a grace period.
-- No row: the defaults (5 years; 90 days).
CREATE TABLE retention_policies (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    register_years INTEGER NOT NULL CHECK (register_years BETWEEN 1 AND 100),
    evidence_grace_days INTEGER NOT NULL CHECK (evidence_grace_days BETWEEN 0 AND 36500),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE measures (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    description TEXT NOT NULL,
    owner_id TEXT REFERENCES users(id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    evidence TEXT,
    reminder_sent_at TIMESTAMP,
    completed_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX measures_incident ON measures (incident_id);
CREATE INDEX measures_due ON measures (status, due_on);

CREATE TABLE processing_activities (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    purposes TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    data_categories TEXT NOT NULL,
    special_categories TEXT NOT NULL,
    person_groups TEXT NOT NULL,
    recipients TEXT NOT NULL,
    processors TEXT NOT NULL,
    retention TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE incident_activities (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    activity_id TEXT NOT NULL REFERENCES processing_activities(id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, activity_id)
);
CREATE INDEX incident_activities_activity ON incident_activities (activity_id);

-- Daily jobs run once per day across all instances: the first to insert the day's row runs it.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    day DATE NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    summary TEXT,
    PRIMARY KEY (job, day)
);

-- Issue 19, point 1: incidents taken over from an earlier breach register. The row marks the
-- incident as imported (no clock escalation, follow-up or measure reminders for the past) and keeps
-- what the incident model has no column for: the AP's notification number and when the people
-- were informed, with the source file's SHA-256 and line.
CREATE TABLE incident_imports (
    incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    source_sha256 TEXT NOT NULL,
    source_line BIGINT NOT NULL,
    ap_number TEXT,
    people_informed_at TIMESTAMP,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_imports_source ON incident_imports (organisation_id, source_sha256);

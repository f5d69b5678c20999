-- Issue 19, point 2: one breach, several controllers (SQLite flavour; same names and meaning as
-- PostgreSQL's).
--
-- An incident of a shared-service organisation (a processor linked to several controllers) is
-- split to the controllers it affects: each gets an incident of its own, linked here. The
-- controller's 72 hours run from `notified_at` (the shared organisation's notice to it);
-- `facts_version_taken` is the version of the shared incident's facts the controller's incident
-- last took over (0: none), so a later version is a change offered to it; `details_taken` the
-- shared incident's title, description and times as last taken over (JSON), likewise.
CREATE TABLE shared_incident_links (
    controller_incident_id TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    shared_incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    controller_org_id TEXT NOT NULL REFERENCES organisations(id),
    notified_at TIMESTAMP NOT NULL,
    facts_version_taken BIGINT NOT NULL DEFAULT 0 CHECK (facts_version_taken >= 0),
    details_taken TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK (controller_incident_id <> shared_incident_id),
    UNIQUE (shared_incident_id, controller_org_id)
);

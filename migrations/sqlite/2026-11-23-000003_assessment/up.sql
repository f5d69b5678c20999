-- Assessment: each version of an incident's facts, the severity and proposal computed from it,
-- and the decisions people took against a proposal. JSON is stored as TEXT.
CREATE TABLE incident_facts (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    facts_json TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, version)
);

CREATE TABLE incident_assessments (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    facts_version BIGINT NOT NULL,
    severity_json TEXT NOT NULL,
    proposal_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (incident_id, facts_version) REFERENCES incident_facts (incident_id, version) ON DELETE CASCADE
);
CREATE INDEX incident_assessments_incident ON incident_assessments (incident_id, facts_version);

CREATE TABLE incident_decisions (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES incident_assessments(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    exception TEXT,
    reasons TEXT NOT NULL,
    reason_for_difference TEXT,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_decisions_incident ON incident_decisions (incident_id, decided_at);

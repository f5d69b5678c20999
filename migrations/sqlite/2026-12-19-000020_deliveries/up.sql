-- Issue 19, point 3 (deliveries): organisations that receive data under a delivery agreement,
-- listed on an incident as organisations to inform under the agreement's breach clause, with the
-- moment they must be told by and the record of when and how they were told.
CREATE TABLE incident_deliveries (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    activity_id TEXT REFERENCES processing_activities(id) ON DELETE SET NULL,
    agreement TEXT NOT NULL DEFAULT '',
    clause_hours INTEGER,
    due_at TIMESTAMP NOT NULL,
    told_at TIMESTAMP,
    told_how TEXT,
    told_by TEXT REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_deliveries_incident ON incident_deliveries (incident_id, due_at);

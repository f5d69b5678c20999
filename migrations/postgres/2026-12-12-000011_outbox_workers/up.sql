-- One row per running outbox worker, its heartbeat. A `sending` row whose worker has not beaten
-- within the takeover time is taken up by another worker without waiting for the lease to end.
CREATE TABLE outbox_workers (
    id TEXT PRIMARY KEY NOT NULL,
    seen_at TIMESTAMP NOT NULL
);

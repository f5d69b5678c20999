-- Issue 16, point 3: staff are told. How each user hears of new citizens' reports: one e-mail per
-- report ('each', also when the user has no row here) or a daily digest ('daily'). The digest job
-- claims a user's digest by moving `digest_until` forward (a conditional UPDATE, under a row lock
-- taken with SKIP LOCKED on PostgreSQL): reports received up to that instant were in a digest.
CREATE TABLE signal_settings (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    new_reports TEXT NOT NULL CHECK (new_reports IN ('each', 'daily')),
    digest_until TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX signal_settings_digest ON signal_settings (new_reports, digest_until);
-- The count of new (untriaged) reports in the staff's menu (a plain index: the status is a bound
-- parameter, which a partial index's condition cannot be proven from).
CREATE INDEX reports_untriaged ON reports (status, organisation_id);
-- The FG's "Te tekenen" worklist: drafts waiting for sign-off, and since when (set when a draft is
-- made, offered again after a rejection, or its sign-off became void).
ALTER TABLE notice_drafts ADD COLUMN awaiting_since TIMESTAMP;
UPDATE notice_drafts SET awaiting_since = updated_at WHERE status IN ('pending', 'void');
CREATE INDEX notice_drafts_awaiting ON notice_drafts (organisation_id, status);

-- Public notices (Art. 34(3)(c)): a public communication instead of individual letters. The text is
-- the FG-signed-off content of a draft of kind 'public_notice', kept here exactly as published
-- (both languages) with its hash; a withdrawn notice stays on record.
CREATE TABLE public_notices (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    draft_id TEXT NOT NULL REFERENCES notice_drafts(id) ON DELETE CASCADE,
    content_sha256 TEXT NOT NULL,
    title_nl TEXT NOT NULL,
    title_en TEXT NOT NULL,
    html_nl TEXT NOT NULL,
    html_en TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES users(id),
    published_at TIMESTAMP NOT NULL,
    withdrawn_by TEXT REFERENCES users(id),
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT
);
CREATE INDEX public_notices_incident ON public_notices (incident_id, published_at);

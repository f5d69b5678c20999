-- Issue 19, point 3: processors report in (PostgreSQL flavour; same names and meaning as SQLite's).
--
-- A processor's accounts hold the role "processor" in the processor's organisation.
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('handler', 'fg', 'admin', 'processor'));

-- A processor serves a controller under a processing agreement that sets the hours within which
-- the processor tells the controller of a breach (Art. 33(2)); optionally the controller's
-- processing activities concerned (ids of processing_activities, JSON).
CREATE TABLE processor_links (
    id TEXT PRIMARY KEY,
    processor_org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    controller_org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    contract_hours INTEGER NOT NULL CHECK (contract_hours >= 1 AND contract_hours <= 720),
    activity_ids TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (processor_org_id <> controller_org_id),
    UNIQUE (processor_org_id, controller_org_id)
);
CREATE INDEX processor_links_controller ON processor_links (controller_org_id);

-- A processor's breach notice as it sent it: what happened, when it became aware, the AP form's
-- categories (JSON lists of keys), approximate numbers, measures. One report per controller.
CREATE TABLE processor_notices (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    processor_org_id TEXT NOT NULL REFERENCES organisations(id),
    submitted_by TEXT NOT NULL REFERENCES users(id),
    description TEXT NOT NULL,
    aware_at TIMESTAMP NOT NULL,
    breach_started_at TIMESTAMP,
    data_categories TEXT NOT NULL DEFAULT '[]',
    special_categories TEXT NOT NULL DEFAULT '[]',
    person_groups TEXT NOT NULL DEFAULT '[]',
    people_min BIGINT,
    people_max BIGINT,
    records_approx BIGINT,
    measures TEXT NOT NULL DEFAULT '',
    contact_phone TEXT,
    language TEXT NOT NULL CHECK (language = 'nl' OR language = 'en'),
    submitted_at TIMESTAMP NOT NULL
);
CREATE INDEX processor_notices_org ON processor_notices (processor_org_id, submitted_at);

-- The report each controller received of a notice, with the contract hours of the link at the
-- time (the notice's lateness is judged against them).
CREATE TABLE processor_notice_reports (
    report_id TEXT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    notice_id TEXT NOT NULL REFERENCES processor_notices(id) ON DELETE CASCADE,
    controller_org_id TEXT NOT NULL REFERENCES organisations(id),
    contract_hours INTEGER NOT NULL,
    UNIQUE (notice_id, controller_org_id)
);

-- What the processor adds later; shown with the report at every controller.
CREATE TABLE processor_supplements (
    id TEXT PRIMARY KEY,
    notice_id TEXT NOT NULL REFERENCES processor_notices(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX processor_supplements_notice ON processor_supplements (notice_id, added_at);

DROP TABLE processor_supplements;
DROP TABLE processor_notice_reports;
DROP TABLE processor_notices;
DROP TABLE processor_links;
DELETE FROM memberships WHERE role = 'processor';
CREATE TABLE memberships_rebuilt (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('handler', 'fg', 'admin')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
INSERT INTO memberships_rebuilt (user_id, organisation_id, role, created_at)
    SELECT user_id, organisation_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_rebuilt RENAME TO memberships;
CREATE INDEX memberships_org ON memberships (organisation_id, role);

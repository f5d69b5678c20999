DROP TABLE processor_supplements;
DROP TABLE processor_notice_reports;
DROP TABLE processor_notices;
DROP TABLE processor_links;
DELETE FROM memberships WHERE role = 'processor';
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('handler', 'fg', 'admin'));

ALTER TABLE notice_settings DROP COLUMN accessibility_url;
ALTER TABLE notice_settings DROP COLUMN contact_url;
ALTER TABLE notice_settings DROP COLUMN privacy_url;
DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN deactivated_at;

-- Issue 16, point 8: a user can be deactivated (sign-in, sessions and API tokens end at once) and
-- reactivated; a password can be reset through a one-time link sent by e-mail.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets (user_id);
-- Issue 16, point 9: the public pages link to the organisation's privacy statement, contact page
-- and accessibility statement.
ALTER TABLE notice_settings ADD COLUMN privacy_url TEXT;
ALTER TABLE notice_settings ADD COLUMN contact_url TEXT;
ALTER TABLE notice_settings ADD COLUMN accessibility_url TEXT;

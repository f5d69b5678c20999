DROP INDEX notice_drafts_awaiting;
ALTER TABLE notice_drafts DROP COLUMN awaiting_since;
DROP INDEX reports_untriaged;
DROP INDEX signal_settings_digest;
DROP TABLE signal_settings;

DROP INDEX IF EXISTS outbox_kind_status;
DROP TABLE outbox_gates;
DROP TABLE notice_messages;
DROP TABLE notice_campaigns;
DROP TABLE notice_recipients;
DROP TABLE notice_drafts;
DROP TABLE notice_settings;

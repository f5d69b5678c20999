ALTER TABLE outbox DROP COLUMN reference_ids;
ALTER TABLE outbox DROP COLUMN in_reply_to;

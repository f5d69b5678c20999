DROP INDEX IF EXISTS outbox_message_id;
DROP TABLE mail_messages;

-- Attachments kept by reference lose their place; their bytes remain in the raw message.
ALTER TABLE attachments DROP COLUMN mail_part;
ALTER TABLE attachments DROP COLUMN mail_id;

CREATE INDEX outbox_message_id ON outbox (message_id);

-- The rules written as comparison chains mean the same as the IN lists; only the index returns.
CREATE INDEX mail_messages_message_id ON mail_messages (message_id);

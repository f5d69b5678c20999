CREATE INDEX mail_messages_message_id ON mail_messages (message_id);

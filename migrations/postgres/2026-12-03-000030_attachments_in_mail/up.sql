-- An attachment that came by e-mail is not stored a second time: its bytes stay in the raw
-- message (`mail_messages.raw`, kept anyway as evidence) and the row says where: the message and
-- the attachment's place among the message's files. `data` is then empty; reading the file
-- parses the raw message again and checks the bytes against `sha256`. Files from the web form
-- keep their bytes in `data` and have no `mail_id`. Retention purges the raw message and these
-- rows together.
ALTER TABLE attachments ADD COLUMN mail_id TEXT;
ALTER TABLE attachments ADD COLUMN mail_part INTEGER;

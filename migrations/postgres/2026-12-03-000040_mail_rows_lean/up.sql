-- Every lookup by Message-ID also names the scope, and the UNIQUE (scope, message_id,
-- content_sha256) index serves it: the index on message_id alone only cost every message one more
-- B-tree insert. (The SQLite migration of the same name also rewrites CHECK … IN lists, which
-- cost SQLite a temporary B-tree per insert; PostgreSQL has no such cost.)
DROP INDEX mail_messages_message_id;

-- Our Message-IDs are `<{outbox id}@{domain}>`: a bounce or a reply is matched through the primary
-- key in the local part (mailbox::store::outbox_by_message_ids), so the separate index on
-- message_id only cost every enqueue — 100,000 rows in one campaign — one more B-tree insert.
-- (SQLite's migration also rewrites CHECK (x IN (…)) rules, which cost SQLite a temporary B-tree
-- per inserted row; PostgreSQL evaluates them without one, so they stay here.)
DROP INDEX outbox_message_id;

-- Issue 16, point 4: an answer to a citizen threads with their mail. The threading headers of an
-- outbox message (RFC 5322 section 3.6.4), stored with it so that a retry sends the same ones:
-- In-Reply-To (one Message-ID, with its angle brackets) and References (Message-IDs, with their
-- angle brackets, oldest first, separated by one space). NULL: the header is not sent.
ALTER TABLE outbox ADD COLUMN in_reply_to TEXT;
ALTER TABLE outbox ADD COLUMN reference_ids TEXT;

-- Messages whose attachments could not be scanned for viruses (clamd unreachable at intake) are
-- marked by their reason; the rescan worker looks for them every poll, so they get a small
-- partial index of their own (the rescan's query uses exactly this predicate).
CREATE INDEX mail_messages_scan_pending ON mail_messages (received_at) WHERE reason LIKE 'attachments not scanned%';

DROP INDEX incidents_supplement_due;
ALTER TABLE incidents DROP COLUMN supplement_closed_at;
ALTER TABLE incidents DROP COLUMN supplement_due_at;
ALTER TABLE incidents DROP COLUMN notification_withdrawn_at;
ALTER TABLE incidents DROP COLUMN late_awareness_reason;

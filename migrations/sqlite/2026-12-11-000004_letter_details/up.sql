-- The letter's signatory (name and function) and the neutral salutation the organisation chose,
-- in Dutch and English (issue 18 point 2).
ALTER TABLE notice_settings ADD COLUMN signatory_name TEXT;
ALTER TABLE notice_settings ADD COLUMN signatory_function TEXT;
ALTER TABLE notice_settings ADD COLUMN salutation_nl TEXT;
ALTER TABLE notice_settings ADD COLUMN salutation_en TEXT;

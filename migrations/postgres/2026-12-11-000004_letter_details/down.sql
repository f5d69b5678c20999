ALTER TABLE notice_settings DROP COLUMN salutation_en;
ALTER TABLE notice_settings DROP COLUMN salutation_nl;
ALTER TABLE notice_settings DROP COLUMN signatory_function;
ALTER TABLE notice_settings DROP COLUMN signatory_name;

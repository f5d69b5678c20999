ALTER TABLE audit_log DROP COLUMN scheme;
DROP TABLE ack_hours;
DROP TABLE ack_recipients;

DROP TRIGGER audit_head_forward_only ON audit_head;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION meldpunt_audit_guard();
ALTER TABLE audit_log DROP COLUMN scheme;
DROP TABLE ack_hours;
DROP TABLE ack_recipients;

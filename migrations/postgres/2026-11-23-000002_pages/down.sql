DROP TABLE incident_notes;
DROP TABLE report_messages;
DROP TABLE attachments;

DROP TABLE ack_hours;
DROP TABLE ack_recipients;

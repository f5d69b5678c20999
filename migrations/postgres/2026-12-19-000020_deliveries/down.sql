DROP TABLE incident_deliveries;

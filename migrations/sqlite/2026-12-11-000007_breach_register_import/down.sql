DROP TABLE incident_imports;

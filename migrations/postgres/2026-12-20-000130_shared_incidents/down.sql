DROP TABLE shared_incident_links;

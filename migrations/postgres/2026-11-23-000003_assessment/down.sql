DROP TABLE incident_decisions;
DROP TABLE incident_assessments;
DROP TABLE incident_facts;

DROP TRIGGER incident_counts_delete;
DROP TRIGGER incident_counts_update;
DROP TRIGGER incident_counts_insert;
DROP TABLE incident_counts;
DROP INDEX processing_activities_org_name;
DROP INDEX reports_org_status_created;
DROP INDEX incidents_owner;
DROP INDEX incidents_list;
ALTER TABLE incidents DROP COLUMN owner_id;

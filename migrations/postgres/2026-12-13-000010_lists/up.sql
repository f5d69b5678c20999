-- Issue 16, point 5: an owner per incident, a user of the incident's organisation (the incident
-- service checks that; the column only refers to the user).
ALTER TABLE incidents ADD COLUMN owner_id TEXT REFERENCES users (id);

-- Issue 15, point 7: an index for each sort order of the lists, so that a page costs the same
-- whatever the table holds. The incident list reads each (organisation, state) in deadline order
-- (running clocks by deadline, the rest newest first) and merges; "mijn incidenten" the same per owner.
CREATE INDEX incidents_list ON incidents (organisation_id, state, ap_deadline, id);
CREATE INDEX incidents_owner ON incidents (owner_id, state, ap_deadline, id);
-- The inbox (reports, newest first, the id deciding between equal times) per organisation, reports
-- without an organisation too (organisation_id IS NULL). The same number of indexes on reports as
-- before (the intake writes them): a filter by status or channel walks this one.
DROP INDEX reports_org_created;
CREATE INDEX reports_org_created ON reports (organisation_id, created_at, id);
-- The processing register, by name per organisation.
CREATE INDEX processing_activities_org_name ON processing_activities (organisation_id, name, id);

-- The incident list's total without counting the table: how many incidents each organisation has
-- in each state per owner ('' for none), kept by the database itself on every insert, change of
-- state, organisation or owner, and delete (whatever writes the row).
CREATE TABLE incident_counts (
    organisation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, state, owner_id)
);
INSERT INTO incident_counts (organisation_id, state, owner_id, n)
    SELECT organisation_id, state, COALESCE(owner_id, ''), COUNT(*) FROM incidents
    GROUP BY organisation_id, state, COALESCE(owner_id, '');

CREATE FUNCTION meldpunt_incident_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state IS NOT DISTINCT FROM NEW.state
            AND OLD.organisation_id IS NOT DISTINCT FROM NEW.organisation_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE incident_counts SET n = n - 1
            WHERE organisation_id = OLD.organisation_id AND state = OLD.state
            AND owner_id = COALESCE(OLD.owner_id, '');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO incident_counts (organisation_id, state, owner_id, n)
            VALUES (NEW.organisation_id, NEW.state, COALESCE(NEW.owner_id, ''), 1)
            ON CONFLICT (organisation_id, state, owner_id) DO UPDATE SET n = incident_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER incident_counts_insert AFTER INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION meldpunt_incident_counts();
CREATE TRIGGER incident_counts_update AFTER UPDATE OF state, organisation_id, owner_id ON incidents
    FOR EACH ROW EXECUTE FUNCTION meldpunt_incident_counts();
CREATE TRIGGER incident_counts_delete AFTER DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION meldpunt_incident_counts();

-- The same for the inbox: how many reports per organisation ('' for none), status and channel. Every
-- report's transaction already writes the year's reference counter and the audit chain's head, so a
-- count row more adds no new point where writers wait.
CREATE TABLE report_counts (
    organisation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, status, channel)
);
INSERT INTO report_counts (organisation_id, status, channel, n)
    SELECT COALESCE(organisation_id, ''), status, channel, COUNT(*) FROM reports
    GROUP BY COALESCE(organisation_id, ''), status, channel;

CREATE FUNCTION meldpunt_report_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.organisation_id IS NOT DISTINCT FROM NEW.organisation_id
            AND OLD.status IS NOT DISTINCT FROM NEW.status
            AND OLD.channel IS NOT DISTINCT FROM NEW.channel THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE report_counts SET n = n - 1
            WHERE organisation_id = COALESCE(OLD.organisation_id, '') AND status = OLD.status
            AND channel = OLD.channel;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO report_counts (organisation_id, status, channel, n)
            VALUES (COALESCE(NEW.organisation_id, ''), NEW.status, NEW.channel, 1)
            ON CONFLICT (organisation_id, status, channel) DO UPDATE SET n = report_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_counts_insert AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION meldpunt_report_counts();
CREATE TRIGGER report_counts_update AFTER UPDATE OF organisation_id, status, channel ON reports
    FOR EACH ROW EXECUTE FUNCTION meldpunt_report_counts();
CREATE TRIGGER report_counts_delete AFTER DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION meldpunt_report_counts();

-- Issue 14, point 6: the processor's clock and the phases of a notification.
-- late_awareness_reason: why awareness is recorded later than the processor's notice (EDPB 9/2022:
--   the controller is aware when its processor informs it); required in that case.
-- notification_withdrawn_at: when a withdrawal (intrekking) of the AP notification was filed.
-- supplement_due_at / supplement_closed_at: the follow-up a provisional notification opens (a
--   supplement is due), closed when a supplement is filed.
ALTER TABLE incidents ADD COLUMN late_awareness_reason TEXT;
ALTER TABLE incidents ADD COLUMN notification_withdrawn_at TIMESTAMP;
ALTER TABLE incidents ADD COLUMN supplement_due_at TIMESTAMP;
ALTER TABLE incidents ADD COLUMN supplement_closed_at TIMESTAMP;
CREATE INDEX incidents_supplement_due ON incidents (supplement_due_at);
-- Incidents entered before this rule: the 72 hours run from the processor's notice when it came first.
UPDATE incidents SET ap_deadline = processor_notice_at + INTERVAL '72 hours'
 WHERE processor_notice_at IS NOT NULL AND processor_notice_at < became_aware_at;

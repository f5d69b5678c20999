//! Every kind of change the audit trail records: one enum, so that a new kind is added in one
//! place and no two writers spell the same change differently. Stored (and hashed) as the dotted
//! text of [`Action::as_str`], which never changes for an existing kind: records written before
//! verify with the same text.

/// What a change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Action {
    /// `activities.imported`
    ActivitiesImported,
    /// `activity.changed`
    ActivityChanged,
    /// `activity.created`
    ActivityCreated,
    /// `activity.deleted`
    ActivityDeleted,
    /// `incident.activities_linked`
    IncidentActivitiesLinked,
    /// `incident.clock_alert`
    IncidentClockAlert,
    /// `incident.created`
    IncidentCreated,
    /// `incident.decision_recorded`
    IncidentDecisionRecorded,
    /// `incident.delivery_listed`
    IncidentDeliveryListed,
    /// `incident.delivery_removed`
    IncidentDeliveryRemoved,
    /// `incident.delivery_told`
    IncidentDeliveryTold,
    /// `incident.evidence_purged`
    IncidentEvidencePurged,
    /// `incident.facts_recorded`
    IncidentFactsRecorded,
    /// `incident.follow_up_alert`
    IncidentFollowUpAlert,
    /// `incident.follow_up_closed`
    IncidentFollowUpClosed,
    /// `incident.follow_up_opened`
    IncidentFollowUpOpened,
    /// `incident.imported`
    IncidentImported,
    /// `incident.mail_received`
    IncidentMailReceived,
    /// `incident.note_added`
    IncidentNoteAdded,
    /// `incident.notification_withdrawn`
    IncidentNotificationWithdrawn,
    /// `incident.notified_at`
    IncidentNotifiedAt,
    /// `incident.owner_changed`
    IncidentOwnerChanged,
    /// `incident.register_entry_expired`
    IncidentRegisterEntryExpired,
    /// `incident.report_linked`
    IncidentReportLinked,
    /// `incident.shared_change_accepted`
    IncidentSharedChangeAccepted,
    /// `incident.shared_change_declined`
    IncidentSharedChangeDeclined,
    /// `incident.shared_notice_changed`
    IncidentSharedNoticeChanged,
    /// `incident.split`
    IncidentSplit,
    /// `incident.state_changed`
    IncidentStateChanged,
    /// `incident.updated`
    IncidentUpdated,
    /// `mail.attachment_rescanned`
    MailAttachmentRescanned,
    /// `measure.changed`
    MeasureChanged,
    /// `measure.created`
    MeasureCreated,
    /// `measure.reminder_queued`
    MeasureReminderQueued,
    /// `membership.added`
    MembershipAdded,
    /// `membership.removed`
    MembershipRemoved,
    /// `notice.approval_voided`
    NoticeApprovalVoided,
    /// `notice.approved`
    NoticeApproved,
    /// `notice.campaign_paused`
    NoticeCampaignPaused,
    /// `notice.campaign_resumed`
    NoticeCampaignResumed,
    /// `notice.campaign_started`
    NoticeCampaignStarted,
    /// `notice.draft_updated`
    NoticeDraftUpdated,
    /// `notice.drafted`
    NoticeDrafted,
    /// `notice.filed`
    NoticeFiled,
    /// `notice.letters_printed`
    NoticeLettersPrinted,
    /// `notice.public_published`
    NoticePublicPublished,
    /// `notice.public_withdrawn`
    NoticePublicWithdrawn,
    /// `notice.recipients_imported`
    NoticeRecipientsImported,
    /// `notice.rejected`
    NoticeRejected,
    /// `organisation.created`
    OrganisationCreated,
    /// `organisation.notice_settings_changed`
    OrganisationNoticeSettingsChanged,
    /// `organisation.updated`
    OrganisationUpdated,
    /// `outbox.bounced`
    OutboxBounced,
    /// `processor_link.created`
    ProcessorLinkCreated,
    /// `processor_link.removed`
    ProcessorLinkRemoved,
    /// `processor_notice.submitted`
    ProcessorNoticeSubmitted,
    /// `processor_notice.supplemented`
    ProcessorNoticeSupplemented,
    /// `register.imported`
    RegisterImported,
    /// `report.answered`
    ReportAnswered,
    /// `report.closed`
    ReportClosed,
    /// `report.evidence_purged`
    ReportEvidencePurged,
    /// `report.linked`
    ReportLinked,
    /// `report.mail_received`
    ReportMailReceived,
    /// `report.processor_notice`
    ReportProcessorNotice,
    /// `report.received`
    ReportReceived,
    /// `report.reporter_added`
    ReportReporterAdded,
    /// `report.supplemented`
    ReportSupplemented,
    /// `report.updated`
    ReportUpdated,
    /// `retention.policy_set`
    RetentionPolicySet,
    /// `user.created`
    UserCreated,
    /// `user.deactivated`
    UserDeactivated,
    /// `user.locked`
    UserLocked,
    /// `user.password_changed`
    UserPasswordChanged,
    /// `user.password_reset`
    UserPasswordReset,
    /// `user.password_reset_sent`
    UserPasswordResetSent,
    /// `user.reactivated`
    UserReactivated,
    /// `user.report_digest_sent`
    UserReportDigestSent,
    /// `user.signals_changed`
    UserSignalsChanged,
    /// `user.token_created`
    UserTokenCreated,
    /// `user.token_revoked`
    UserTokenRevoked,
    /// `user.totp_disabled`
    UserTotpDisabled,
    /// `user.totp_enabled`
    UserTotpEnabled,
}

impl Action {
    /// Every kind, in the order of their text.
    pub const ALL: &'static [Action] = &[
        Action::ActivitiesImported,
        Action::ActivityChanged,
        Action::ActivityCreated,
        Action::ActivityDeleted,
        Action::IncidentActivitiesLinked,
        Action::IncidentClockAlert,
        Action::IncidentCreated,
        Action::IncidentDecisionRecorded,
        Action::IncidentDeliveryListed,
        Action::IncidentDeliveryRemoved,
        Action::IncidentDeliveryTold,
        Action::IncidentEvidencePurged,
        Action::IncidentFactsRecorded,
        Action::IncidentFollowUpAlert,
        Action::IncidentFollowUpClosed,
        Action::IncidentFollowUpOpened,
        Action::IncidentImported,
        Action::IncidentMailReceived,
        Action::IncidentNoteAdded,
        Action::IncidentNotificationWithdrawn,
        Action::IncidentNotifiedAt,
        Action::IncidentOwnerChanged,
        Action::IncidentRegisterEntryExpired,
        Action::IncidentReportLinked,
        Action::IncidentSharedChangeAccepted,
        Action::IncidentSharedChangeDeclined,
        Action::IncidentSharedNoticeChanged,
        Action::IncidentSplit,
        Action::IncidentStateChanged,
        Action::IncidentUpdated,
        Action::MailAttachmentRescanned,
        Action::MeasureChanged,
        Action::MeasureCreated,
        Action::MeasureReminderQueued,
        Action::MembershipAdded,
        Action::MembershipRemoved,
        Action::NoticeApprovalVoided,
        Action::NoticeApproved,
        Action::NoticeCampaignPaused,
        Action::NoticeCampaignResumed,
        Action::NoticeCampaignStarted,
        Action::NoticeDraftUpdated,
        Action::NoticeDrafted,
        Action::NoticeFiled,
        Action::NoticeLettersPrinted,
        Action::NoticePublicPublished,
        Action::NoticePublicWithdrawn,
        Action::NoticeRecipientsImported,
        Action::NoticeRejected,
        Action::OrganisationCreated,
        Action::OrganisationNoticeSettingsChanged,
        Action::OrganisationUpdated,
        Action::OutboxBounced,
        Action::ProcessorLinkCreated,
        Action::ProcessorLinkRemoved,
        Action::ProcessorNoticeSubmitted,
        Action::ProcessorNoticeSupplemented,
        Action::RegisterImported,
        Action::ReportAnswered,
        Action::ReportClosed,
        Action::ReportEvidencePurged,
        Action::ReportLinked,
        Action::ReportMailReceived,
        Action::ReportProcessorNotice,
        Action::ReportReceived,
        Action::ReportReporterAdded,
        Action::ReportSupplemented,
        Action::ReportUpdated,
        Action::RetentionPolicySet,
        Action::UserCreated,
        Action::UserDeactivated,
        Action::UserLocked,
        Action::UserPasswordChanged,
        Action::UserPasswordReset,
        Action::UserPasswordResetSent,
        Action::UserReactivated,
        Action::UserReportDigestSent,
        Action::UserSignalsChanged,
        Action::UserTokenCreated,
        Action::UserTokenRevoked,
        Action::UserTotpDisabled,
        Action::UserTotpEnabled,
    ];

    /// The text stored in the trail (`incident.created`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ActivitiesImported => "activities.imported",
            Action::ActivityChanged => "activity.changed",
            Action::ActivityCreated => "activity.created",
            Action::ActivityDeleted => "activity.deleted",
            Action::IncidentActivitiesLinked => "incident.activities_linked",
            Action::IncidentClockAlert => "incident.clock_alert",
            Action::IncidentCreated => "incident.created",
            Action::IncidentDecisionRecorded => "incident.decision_recorded",
            Action::IncidentDeliveryListed => "incident.delivery_listed",
            Action::IncidentDeliveryRemoved => "incident.delivery_removed",
            Action::IncidentDeliveryTold => "incident.delivery_told",
            Action::IncidentEvidencePurged => "incident.evidence_purged",
            Action::IncidentFactsRecorded => "incident.facts_recorded",
            Action::IncidentFollowUpAlert => "incident.follow_up_alert",
            Action::IncidentFollowUpClosed => "incident.follow_up_closed",
            Action::IncidentFollowUpOpened => "incident.follow_up_opened",
            Action::IncidentImported => "incident.imported",
            Action::IncidentMailReceived => "incident.mail_received",
            Action::IncidentNoteAdded => "incident.note_added",
            Action::IncidentNotificationWithdrawn => "incident.notification_withdrawn",
            Action::IncidentNotifiedAt => "incident.notified_at",
            Action::IncidentOwnerChanged => "incident.owner_changed",
            Action::IncidentRegisterEntryExpired => "incident.register_entry_expired",
            Action::IncidentReportLinked => "incident.report_linked",
            Action::IncidentSharedChangeAccepted => "incident.shared_change_accepted",
            Action::IncidentSharedChangeDeclined => "incident.shared_change_declined",
            Action::IncidentSharedNoticeChanged => "incident.shared_notice_changed",
            Action::IncidentSplit => "incident.split",
            Action::IncidentStateChanged => "incident.state_changed",
            Action::IncidentUpdated => "incident.updated",
            Action::MailAttachmentRescanned => "mail.attachment_rescanned",
            Action::MeasureChanged => "measure.changed",
            Action::MeasureCreated => "measure.created",
            Action::MeasureReminderQueued => "measure.reminder_queued",
            Action::MembershipAdded => "membership.added",
            Action::MembershipRemoved => "membership.removed",
            Action::NoticeApprovalVoided => "notice.approval_voided",
            Action::NoticeApproved => "notice.approved",
            Action::NoticeCampaignPaused => "notice.campaign_paused",
            Action::NoticeCampaignResumed => "notice.campaign_resumed",
            Action::NoticeCampaignStarted => "notice.campaign_started",
            Action::NoticeDraftUpdated => "notice.draft_updated",
            Action::NoticeDrafted => "notice.drafted",
            Action::NoticeFiled => "notice.filed",
            Action::NoticeLettersPrinted => "notice.letters_printed",
            Action::NoticePublicPublished => "notice.public_published",
            Action::NoticePublicWithdrawn => "notice.public_withdrawn",
            Action::NoticeRecipientsImported => "notice.recipients_imported",
            Action::NoticeRejected => "notice.rejected",
            Action::OrganisationCreated => "organisation.created",
            Action::OrganisationNoticeSettingsChanged => "organisation.notice_settings_changed",
            Action::OrganisationUpdated => "organisation.updated",
            Action::OutboxBounced => "outbox.bounced",
            Action::ProcessorLinkCreated => "processor_link.created",
            Action::ProcessorLinkRemoved => "processor_link.removed",
            Action::ProcessorNoticeSubmitted => "processor_notice.submitted",
            Action::ProcessorNoticeSupplemented => "processor_notice.supplemented",
            Action::RegisterImported => "register.imported",
            Action::ReportAnswered => "report.answered",
            Action::ReportClosed => "report.closed",
            Action::ReportEvidencePurged => "report.evidence_purged",
            Action::ReportLinked => "report.linked",
            Action::ReportMailReceived => "report.mail_received",
            Action::ReportProcessorNotice => "report.processor_notice",
            Action::ReportReceived => "report.received",
            Action::ReportReporterAdded => "report.reporter_added",
            Action::ReportSupplemented => "report.supplemented",
            Action::ReportUpdated => "report.updated",
            Action::RetentionPolicySet => "retention.policy_set",
            Action::UserCreated => "user.created",
            Action::UserDeactivated => "user.deactivated",
            Action::UserLocked => "user.locked",
            Action::UserPasswordChanged => "user.password_changed",
            Action::UserPasswordReset => "user.password_reset",
            Action::UserPasswordResetSent => "user.password_reset_sent",
            Action::UserReactivated => "user.reactivated",
            Action::UserReportDigestSent => "user.report_digest_sent",
            Action::UserSignalsChanged => "user.signals_changed",
            Action::UserTokenCreated => "user.token_created",
            Action::UserTokenRevoked => "user.token_revoked",
            Action::UserTotpDisabled => "user.totp_disabled",
            Action::UserTotpEnabled => "user.totp_enabled",
        }
    }

    /// The kind a stored text names, if any.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_text_and_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.as_str()), "{} twice", a.as_str());
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            // `subject.change`: lower case, one dot, as the trail's readers (the pages' labels
            // `staff_audit_<subject>_<change>`) expect.
            let (subject, change) = a.as_str().split_once('.').unwrap();
            assert!(!subject.is_empty() && !change.is_empty() && !change.contains('.'));
            assert_eq!(a.as_str(), a.as_str().to_lowercase());
        }
        assert_eq!(Action::parse("incident.nonsense"), None);
    }

    proptest::proptest! {
        #[test]
        fn no_other_text_is_a_kind(s in "[a-z_.]{0,40}") {
            match Action::parse(&s) {
                Some(a) => proptest::prop_assert_eq!(a.as_str(), s.as_str()),
                None => proptest::prop_assert!(Action::ALL.iter().all(|a| a.as_str() != s)),
            }
        }
    }
}

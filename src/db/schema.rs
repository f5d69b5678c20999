// One schema for both backends, using only the SQL types they share.
diesel::table! {
    organisations (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        kvk_number -> Nullable<Text>,
        address -> Nullable<Text>,
        fg_name -> Nullable<Text>,
        fg_email -> Nullable<Text>,
        fg_phone -> Nullable<Text>,
        fg_registration_number -> Nullable<Text>,
        processor_hours -> Nullable<Integer>,
        require_2fa -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        is_admin -> Bool,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        failed_logins -> Integer,
        last_failed_at -> Nullable<Timestamp>,
        locked_until -> Nullable<Timestamp>,
        language -> Text,
        created_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signal_settings (user_id) {
        user_id -> Text,
        new_reports -> Text,
        digest_until -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    memberships (user_id, organisation_id, role) {
        user_id -> Text,
        organisation_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    setup_codes (code_hash) {
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    counters (scope, year) {
        scope -> Text,
        year -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        organisation_id -> Text,
        reference -> Text,
        title -> Text,
        description -> Text,
        state -> Text,
        state_reason -> Nullable<Text>,
        breach_started_at -> Nullable<Timestamp>,
        breach_ended_at -> Nullable<Timestamp>,
        discovered_at -> Nullable<Timestamp>,
        became_aware_at -> Timestamp,
        awareness_established_by -> Nullable<Text>,
        awareness_how -> Nullable<Text>,
        ap_deadline -> Timestamp,
        processor_name -> Nullable<Text>,
        processor_aware_at -> Nullable<Timestamp>,
        processor_notice_at -> Nullable<Timestamp>,
        processor_contract_hours -> Nullable<Integer>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        notified_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        lessons_learned -> Nullable<Text>,
        close_override_reason -> Nullable<Text>,
        evidence_purged_at -> Nullable<Timestamp>,
        late_awareness_reason -> Nullable<Text>,
        notification_withdrawn_at -> Nullable<Timestamp>,
        supplement_due_at -> Nullable<Timestamp>,
        supplement_closed_at -> Nullable<Timestamp>,
        owner_id -> Nullable<Text>,
    }
}

diesel::table! {
    report_counts (organisation_id, status, channel) {
        organisation_id -> Text,
        status -> Text,
        channel -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    incident_counts (organisation_id, state, owner_id) {
        organisation_id -> Text,
        state -> Text,
        owner_id -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    incident_handlers (incident_id, user_id) {
        incident_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        reference -> Text,
        channel -> Text,
        organisation_id -> Nullable<Text>,
        organisation_hint -> Nullable<Text>,
        description -> Text,
        received_via -> Nullable<Text>,
        received_on -> Nullable<Date>,
        data_kinds -> Text,
        action_taken -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        may_contact -> Bool,
        language -> Text,
        follow_up_hash -> Text,
        status -> Text,
        incident_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        organisation_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        scheme -> Integer,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        dedupe_key -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        incident_id -> Nullable<Text>,
        to_addr -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        smtp_response -> Nullable<Text>,
        created_at -> Timestamp,
        in_reply_to -> Nullable<Text>,
        reference_ids -> Nullable<Text>,
    }
}

diesel::table! {
    clock_alerts (incident_id, point) {
        incident_id -> Text,
        point -> Text,
        created_at -> Timestamp,
        skipped -> Bool,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(signal_settings -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(incidents -> organisations (organisation_id));
diesel::joinable!(reports -> incidents (incident_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    recovery_codes,
    api_tokens,
    sessions,
    setup_codes,
    password_resets,
    signal_settings,
    counters,
    incidents,
    incident_handlers,
    reports,
    audit_head,
    audit_log,
    outbox,
    clock_alerts,
    attachments,
    report_messages,
    incident_notes,
    incident_facts,
    incident_assessments,
    incident_decisions,
);

diesel::table! {
    attachments (id) {
        id -> Text,
        report_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        created_at -> Timestamp,
        mail_id -> Nullable<Text>,
        mail_part -> Nullable<Integer>,
    }
}

diesel::table! {
    report_messages (id) {
        id -> Text,
        report_id -> Text,
        author -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incident_notes (id) {
        id -> Text,
        incident_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(incident_notes -> users (author_id));

diesel::table! {
    incident_facts (incident_id, version) {
        incident_id -> Text,
        version -> BigInt,
        facts_json -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incident_assessments (id) {
        id -> Text,
        incident_id -> Text,
        facts_version -> BigInt,
        severity_json -> Text,
        proposal_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incident_decisions (id) {
        id -> Text,
        incident_id -> Text,
        assessment_id -> Text,
        outcome -> Text,
        exception -> Nullable<Text>,
        reasons -> Text,
        reason_for_difference -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    retention_policies (organisation_id) {
        organisation_id -> Text,
        register_years -> Integer,
        evidence_grace_days -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    measures (id) {
        id -> Text,
        incident_id -> Text,
        organisation_id -> Text,
        description -> Text,
        owner_id -> Nullable<Text>,
        due_on -> Date,
        status -> Text,
        evidence -> Nullable<Text>,
        reminder_sent_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    processing_activities (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        purposes -> Text,
        legal_basis -> Text,
        data_categories -> Text,
        special_categories -> Text,
        person_groups -> Text,
        recipients -> Text,
        processors -> Text,
        retention -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    incident_activities (incident_id, activity_id) {
        incident_id -> Text,
        activity_id -> Text,
    }
}

diesel::table! {
    job_runs (job, day) {
        job -> Text,
        day -> Date,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        summary -> Nullable<Text>,
    }
}

diesel::joinable!(incident_activities -> processing_activities (activity_id));
diesel::joinable!(measures -> incidents (incident_id));

diesel::allow_tables_to_appear_in_same_query!(
    incident_activities,
    processing_activities,
    incidents,
    measures,
);

// Notifications (issue 5, migration 2026-11-23-000006_notifications).
diesel::table! {
    notice_settings (organisation_id) {
        organisation_id -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        website -> Nullable<Text>,
        allow_self_signoff -> Bool,
        updated_at -> Timestamp,
        privacy_url -> Nullable<Text>,
        contact_url -> Nullable<Text>,
        accessibility_url -> Nullable<Text>,
        signatory_name -> Nullable<Text>,
        signatory_function -> Nullable<Text>,
        salutation_nl -> Nullable<Text>,
        salutation_en -> Nullable<Text>,
    }
}

diesel::table! {
    notice_drafts (id) {
        id -> Text,
        incident_id -> Text,
        organisation_id -> Text,
        purpose -> Text,
        kind -> Text,
        input_json -> Text,
        status -> Text,
        content_sha256 -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        remarks -> Nullable<Text>,
        ap_number -> Nullable<Text>,
        filed_at -> Nullable<Timestamp>,
        filed_by -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        awaiting_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notice_recipients (id) {
        id -> Text,
        incident_id -> Text,
        line_no -> BigInt,
        name -> Text,
        email -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        language -> Text,
        extra_json -> Text,
        dedupe_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notice_campaigns (id) {
        id -> Text,
        incident_id -> Text,
        draft_id -> Text,
        content_sha256 -> Text,
        per_minute -> Nullable<Integer>,
        emails -> BigInt,
        letters -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notice_messages (campaign_id, recipient_id, channel) {
        campaign_id -> Text,
        recipient_id -> Text,
        incident_id -> Text,
        channel -> Text,
        outbox_id -> Nullable<Text>,
        status -> Text,
        printed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_gates (kind) {
        kind -> Text,
        paused -> Bool,
        per_minute -> Nullable<Integer>,
        window_start -> Timestamp,
        window_count -> Integer,
    }
}

diesel::table! {
    outbox_workers (id) {
        id -> Text,
        seen_at -> Timestamp,
    }
}

diesel::joinable!(notice_messages -> notice_recipients (recipient_id));
diesel::allow_tables_to_appear_in_same_query!(notice_messages, notice_recipients, outbox);
diesel::allow_tables_to_appear_in_same_query!(outbox, outbox_workers);

diesel::table! {
    mail_messages (id) {
        id -> Text,
        scope -> Text,
        organisation_id -> Nullable<Text>,
        source -> Text,
        message_id -> Text,
        content_sha256 -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        id_collision -> Bool,
        from_addr -> Nullable<Text>,
        subject -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        report_id -> Nullable<Text>,
        incident_id -> Nullable<Text>,
        outbox_id -> Nullable<Text>,
        details_json -> Text,
        size_bytes -> BigInt,
        raw -> Binary,
        received_at -> Timestamp,
    }
}

diesel::table! {
    public_notices (id) {
        id -> Text,
        slug -> Text,
        incident_id -> Text,
        organisation_id -> Text,
        draft_id -> Text,
        content_sha256 -> Text,
        title_nl -> Text,
        title_en -> Text,
        html_nl -> Text,
        html_en -> Text,
        published_by -> Text,
        published_at -> Timestamp,
        withdrawn_by -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
    }
}

// Hardening (issue 17, migration 2026-12-11-000003_hardening).
diesel::table! {
    ack_recipients (address_hash) {
        address_hash -> Text,
        last_at -> Timestamp,
    }
}

diesel::table! {
    ack_hours (hour) {
        hour -> Timestamp,
        sent -> BigInt,
        held_recipient -> BigInt,
        held_budget -> BigInt,
    }
}

diesel::table! {
    incident_imports (incident_id) {
        incident_id -> Text,
        organisation_id -> Text,
        source_sha256 -> Text,
        source_line -> BigInt,
        ap_number -> Nullable<Text>,
        people_informed_at -> Nullable<Timestamp>,
        imported_by -> Text,
        imported_at -> Timestamp,
    }
}

diesel::joinable!(incident_imports -> incidents (incident_id));
diesel::allow_tables_to_appear_in_same_query!(incident_imports, incidents);

// The FG's worklist (issue 16, migration 2026-12-12-000030_signals): drafts with their incident.
diesel::joinable!(notice_drafts -> incidents (incident_id));
diesel::allow_tables_to_appear_in_same_query!(notice_drafts, incidents);

// Processors report in (issue 19, migration 2026-12-19-000010_processors).
diesel::table! {
    processor_links (id) {
        id -> Text,
        processor_org_id -> Text,
        controller_org_id -> Text,
        contract_hours -> Integer,
        activity_ids -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    processor_notices (id) {
        id -> Text,
        reference -> Text,
        processor_org_id -> Text,
        submitted_by -> Text,
        description -> Text,
        aware_at -> Timestamp,
        breach_started_at -> Nullable<Timestamp>,
        data_categories -> Text,
        special_categories -> Text,
        person_groups -> Text,
        people_min -> Nullable<BigInt>,
        people_max -> Nullable<BigInt>,
        records_approx -> Nullable<BigInt>,
        measures -> Text,
        contact_phone -> Nullable<Text>,
        language -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    processor_notice_reports (report_id) {
        report_id -> Text,
        notice_id -> Text,
        controller_org_id -> Text,
        contract_hours -> Integer,
    }
}

diesel::table! {
    processor_supplements (id) {
        id -> Text,
        notice_id -> Text,
        body -> Text,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::joinable!(processor_notice_reports -> processor_notices (notice_id));
diesel::joinable!(processor_notice_reports -> reports (report_id));
diesel::joinable!(processor_notices -> organisations (processor_org_id));
diesel::joinable!(processor_supplements -> processor_notices (notice_id));
diesel::allow_tables_to_appear_in_same_query!(
    processor_links,
    processor_notices,
    processor_notice_reports,
    processor_supplements,
);
diesel::allow_tables_to_appear_in_same_query!(processor_links, organisations);
diesel::allow_tables_to_appear_in_same_query!(processor_notices, organisations);
diesel::allow_tables_to_appear_in_same_query!(processor_notice_reports, organisations);
diesel::allow_tables_to_appear_in_same_query!(processor_notices, reports);
diesel::allow_tables_to_appear_in_same_query!(processor_notice_reports, reports);
diesel::allow_tables_to_appear_in_same_query!(processor_notices, incidents);
diesel::allow_tables_to_appear_in_same_query!(processor_notice_reports, incidents);
diesel::allow_tables_to_appear_in_same_query!(processor_supplements, users);

// Deliveries to inform under a delivery agreement's breach clause (issue 19, migration
// 2026-12-19-000020_deliveries).
diesel::table! {
    incident_deliveries (id) {
        id -> Text,
        incident_id -> Text,
        recipient -> Text,
        activity_id -> Nullable<Text>,
        agreement -> Text,
        clause_hours -> Nullable<Integer>,
        due_at -> Timestamp,
        told_at -> Nullable<Timestamp>,
        told_how -> Nullable<Text>,
        told_by -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(incident_deliveries -> incidents (incident_id));
diesel::allow_tables_to_appear_in_same_query!(incident_deliveries, incidents);
diesel::allow_tables_to_appear_in_same_query!(incident_deliveries, processing_activities);

// One breach, several controllers (issue 19, migration 2026-12-20-000130_shared_incidents).
diesel::table! {
    shared_incident_links (controller_incident_id) {
        controller_incident_id -> Text,
        shared_incident_id -> Text,
        controller_org_id -> Text,
        notified_at -> Timestamp,
        facts_version_taken -> BigInt,
        details_taken -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(shared_incident_links, incidents);
diesel::allow_tables_to_appear_in_same_query!(shared_incident_links, organisations);

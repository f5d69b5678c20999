//! Issue 19, point 2: one breach, several controllers, over the API on SQLite and PostgreSQL.
//!
//! A shared-service organisation (dienst) is linked as processor to two municipalities (oost, 24
//! hours; west, 48 hours), not to a third (noord); another organisation (elders) has nothing to do
//! with it. The split, each controller's own clock, the facts taken over with their provenance, a
//! change of the shared facts offered and accepted (voiding an FG's sign-off as any change of
//! facts does), bad input named by field, and the access matrix of every new route.
use chrono::{DateTime, Duration, Utc};
use meldpunt::auth::Role;
use meldpunt::db::{new_id, to_db};
use meldpunt::processors::store as processor_store;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp, User};

struct Cast {
    dienst: User,
    oost: User,
    oost_fg: User,
    west: User,
    elders: User,
}

fn cast(app: &TestApp) -> Cast {
    let dienst_id = app.create_org("dienst");
    let oost_id = app.create_org("oost");
    let west_id = app.create_org("west");
    app.create_org("noord");
    app.create_org("elders");
    let mut c = app.conn();
    for (controller, hours) in [(&oost_id, 24), (&west_id, 48)] {
        processor_store::insert_link(
            &mut c,
            &processor_store::LinkRow {
                id: new_id(),
                processor_org_id: dienst_id.clone(),
                controller_org_id: controller.clone(),
                contract_hours: hours,
                activity_ids: "[]".into(),
                created_by: "test".into(),
                created_at: to_db(Utc::now()),
            },
        )
        .unwrap();
    }
    Cast {
        dienst: app.create_user("team@dienst.example.nl", &[("dienst", Role::Handler)]),
        oost: app.create_user("behandelaar@oost.example.nl", &[("oost", Role::Handler)]),
        oost_fg: app.create_user("fg@oost.example.nl", &[("oost", Role::Fg)]),
        west: app.create_user("behandelaar@west.example.nl", &[("west", Role::Handler)]),
        elders: app.create_user(
            "behandelaar@elders.example.nl",
            &[("elders", Role::Handler)],
        ),
    }
}

fn e(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

fn facts(people: i64) -> Value {
    json!({
        "nature": e(json!(["confidentiality"])),
        "kind": e(json!("letter_wrong_recipient")),
        "general_data": e(json!(["name", "address", "bsn"])),
        "special_categories": e(json!([])),
        "groups": e(json!(["customers"])),
        "records": e(json!(people)),
        "people": e(json!({"type": "exact", "n": people})),
        "recipients": e(json!({"known": true, "trustworthy": false, "opened": true, "count": 1})),
        "protection": e(json!({"method": "none"})),
        "malicious_intent": e(json!(false)),
        "controller_nature": e(json!("government")),
        "consequences_people": e(json!(["identity_theft_or_fraud"])),
    })
}

async fn json_ok(r: reqwest::Response, status: u16) -> Value {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(s, status, "{v}");
    v
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("no instant: {v}"))
        .parse()
        .unwrap()
}

/// The shared incident (aware 30 hours ago) with recorded facts; its id.
async fn shared_incident(app: &TestApp, cast: &Cast) -> String {
    let inc = app.open_incident(&cast.dienst, "dienst", 30).await;
    let id = inc["id"].as_str().unwrap().to_string();
    json_ok(
        app.put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&cast.dienst.token),
            facts(120),
        )
        .await,
        200,
    )
    .await;
    id
}

/// Split to oost and west, told 2 hours ago; the linked list and each part's id (oost, west).
async fn split(app: &TestApp, cast: &Cast, id: &str) -> (Value, String, String) {
    let told = Utc::now() - Duration::hours(2);
    let v = json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/split"),
            Some(&cast.dienst.token),
            json!({"controllers": ["oost", "west"], "notified_at": told}),
        )
        .await,
        201,
    )
    .await;
    let part = |slug: &str| {
        v["linked"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["controller"] == slug)
            .unwrap_or_else(|| panic!("{slug} in {v}"))["incident_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (o, w) = (part("oost"), part("west"));
    (v, o, w)
}

async fn the_split_gives_each_controller_its_own_incident_and_clock(app: TestApp) {
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let shared = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&cast.dienst.token))
            .await,
        200,
    )
    .await;
    let shared_aware = instant(&shared["clock_started_at"]);
    let (v, oost_id, west_id) = split(&app, &cast, &id).await;
    assert_eq!(v["linked"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["facts_version"], 1);
    for c in v["candidates"].as_array().unwrap() {
        assert_eq!(c["split"], true, "{c}");
    }
    let told = instant(&v["linked"][0]["notified_at"]);

    // Each part is an ordinary incident of its controller: its own reference, its clock from the
    // shared organisation's notice, the shared organisation as its processor with the contract.
    let oost = json_ok(
        app.get(
            &format!("/api/v1/incidents/{oost_id}"),
            Some(&cast.oost.token),
        )
        .await,
        200,
    )
    .await;
    let west = json_ok(
        app.get(
            &format!("/api/v1/incidents/{west_id}"),
            Some(&cast.west.token),
        )
        .await,
        200,
    )
    .await;
    for (part, hours, on_time) in [(&oost, 24, false), (&west, 48, true)] {
        assert_eq!(instant(&part["became_aware_at"]), told);
        assert_eq!(instant(&part["clock_started_at"]), told);
        assert_eq!(instant(&part["ap_deadline"]), told + Duration::hours(72));
        assert_eq!(part["processor"]["name"], "Gemeente dienst");
        assert_eq!(part["processor"]["contract_hours"], hours);
        assert_eq!(instant(&part["processor"]["aware_at"]), shared_aware);
        // Told 28 hours after the shared organisation knew: late under 24 hours, not under 48.
        assert_eq!(part["processor"]["on_time"], on_time, "{part}");
        assert_eq!(part["title"], shared["title"]);
        assert_eq!(part["state"], "new");
    }
    // Each in its controller's own numbering (the shared incident is the first of its own too).
    assert_ne!(oost["id"], west["id"]);
    assert!(oost["reference"].as_str().unwrap().starts_with("DL-"));
    assert_ne!(oost["organisation_id"], west["organisation_id"]);

    // The facts taken over, each marked as from the shared incident.
    let a = json_ok(
        app.get(
            &format!("/api/v1/incidents/{oost_id}/assessment"),
            Some(&cast.oost.token),
        )
        .await,
        200,
    )
    .await;
    let from = format!(
        "het gedeelde incident {}",
        shared["reference"].as_str().unwrap()
    );
    for field in [
        "records",
        "people",
        "kind",
        "general_data",
        "malicious_intent",
    ] {
        let f = &a["facts"][field];
        assert_eq!(f["provenance"], "derived", "{field}: {f}");
        assert_eq!(f["from"], from.as_str(), "{field}: {f}");
    }
    assert_eq!(a["facts"]["records"]["value"], 120);
    assert_eq!(a["facts"]["availability_loss"]["provenance"], "missing");
    assert!(a["proposal"]["outcome"].is_string(), "{a}");

    // Oost's staff correct when they were told: their clock moves, west's does not.
    let later = told + Duration::minutes(30);
    let o = json_ok(
        app.put(
            &format!("/api/v1/incidents/{oost_id}/shared-origin/notified-at"),
            Some(&cast.oost.token),
            json!({"notified_at": later}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(instant(&o["notified_at"]), later);
    assert_eq!(instant(&o["ap_deadline"]), later + Duration::hours(72));
    assert_eq!(o["shared_organisation"], "Gemeente dienst");
    let oost = json_ok(
        app.get(
            &format!("/api/v1/incidents/{oost_id}"),
            Some(&cast.oost.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(instant(&oost["ap_deadline"]), later + Duration::hours(72));
    let l = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/linked"),
            Some(&cast.dienst.token),
        )
        .await,
        200,
    )
    .await;
    for item in l["linked"].as_array().unwrap() {
        let want = if item["controller"] == "oost" {
            later
        } else {
            told
        };
        assert_eq!(instant(&item["notified_at"]), want);
        assert_eq!(instant(&item["ap_deadline"]), want + Duration::hours(72));
        assert_eq!(item["clock_running"], true);
        assert!(item["deadline_local"].as_str().unwrap().contains(':'));
        // The shared team sees status and clock, nothing of the letters or the facts.
        assert!(item.get("recipients").is_none() && item.get("facts").is_none());
    }
    // Bad moments are refused naming the field.
    for bad in [
        json!({"notified_at": Utc::now() + Duration::hours(2)}),
        json!({"notified_at": shared_aware - Duration::hours(1)}),
    ] {
        assert_problem(
            app.put(
                &format!("/api/v1/incidents/{oost_id}/shared-origin/notified-at"),
                Some(&cast.oost.token),
                bad,
            )
            .await,
            422,
            Some("notified_at"),
        )
        .await;
    }

    // Audited: the split on the shared incident, the creation and the notice on the part.
    let trail = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/audit"),
            Some(&cast.dienst.token),
        )
        .await,
        200,
    )
    .await;
    let s = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "incident.split")
        .expect("split audited");
    assert_eq!(s["after"]["incidents"].as_array().unwrap().len(), 2);
    let trail = json_ok(
        app.get(
            &format!("/api/v1/incidents/{oost_id}/audit"),
            Some(&cast.oost.token),
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "incident.created",
        "incident.facts_recorded",
        "incident.updated",
        "incident.shared_notice_changed",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
both!(the_split_gives_each_controller_its_own_incident_and_clock);

/// Each controller's handlers hear of their part at once (whatever they chose for new reports):
/// the reference, who reported it, the deadline of their own clock and the link; not the FG (who
/// signs off, not assesses), not the shared team, not another organisation; nothing of the
/// incident's description.
async fn the_split_tells_each_controllers_handlers(app: TestApp) {
    use diesel::prelude::*;
    use meldpunt::db::schema::outbox;
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let (_, oost_id, west_id) = split(&app, &cast, &id).await;
    let rows: Vec<(String, Option<String>, String, String)> = outbox::table
        .filter(outbox::kind.eq("shared_part"))
        .select((
            outbox::to_addr,
            outbox::incident_id,
            outbox::subject,
            outbox::body_text,
        ))
        .order(outbox::to_addr.asc())
        .load(&mut app.conn())
        .unwrap();
    let to: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        to,
        ["behandelaar@oost.example.nl", "behandelaar@west.example.nl"],
        "{rows:?}"
    );
    for (addr, incident, subject, body) in &rows {
        let (part, token) = if addr.contains("oost") {
            (&oost_id, &cast.oost.token)
        } else {
            (&west_id, &cast.west.token)
        };
        assert_eq!(incident.as_deref(), Some(part.as_str()));
        let v = json_ok(
            app.get(&format!("/api/v1/incidents/{part}"), Some(token))
                .await,
            200,
        )
        .await;
        let reference = v["reference"].as_str().unwrap();
        assert!(
            subject.contains(reference) && subject.contains("Gemeente dienst"),
            "{subject}"
        );
        assert!(body.contains(&format!("/staff/incidents/{part}")), "{body}");
        assert!(body.contains("uiterlijk"), "the deadline in Dutch: {body}");
        let description = v["description"].as_str().unwrap_or("");
        assert!(
            description.is_empty() || !body.contains(description),
            "nothing of the incident: {body}"
        );
    }
}
both!(the_split_tells_each_controllers_handlers);

async fn bad_splits_are_refused_naming_the_field(app: TestApp) {
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let path = format!("/api/v1/incidents/{id}/split");
    let tok = Some(cast.dienst.token.as_str());
    for (body, field) in [
        (json!({"controllers": []}), "controllers"),
        (json!({"controllers": ["nergens"]}), "controllers[0]"),
        (json!({"controllers": ["oost", "noord"]}), "controllers[1]"),
        (json!({"controllers": ["oost", "oost"]}), "controllers[1]"),
        (json!({"controllers": ["dienst"]}), "controllers[0]"),
        (
            json!({"controllers": ["oost"], "notified_at": Utc::now() + Duration::hours(1)}),
            "notified_at",
        ),
        (
            json!({"controllers": ["oost"], "notified_at": Utc::now() - Duration::hours(31)}),
            "notified_at",
        ),
    ] {
        assert_problem(app.post(&path, tok, body).await, 422, Some(field)).await;
    }
    assert_problem(
        app.post(&path, tok, json!({"controllers": "oost"})).await,
        422,
        None,
    )
    .await;
    assert_problem(
        app.post(&path, tok, json!({"controllers": ["oost"], "extra": 1}))
            .await,
        422,
        None,
    )
    .await;
    // Nothing was made by the refusals.
    let l = json_ok(
        app.get(&format!("/api/v1/incidents/{id}/linked"), tok)
            .await,
        200,
    )
    .await;
    assert_eq!(l["linked"], json!([]));
    // Split to oost; again to oost (with west) is a conflict naming the field and the controller.
    json_ok(
        app.post(&path, tok, json!({"controllers": ["oost"]})).await,
        201,
    )
    .await;
    let p = assert_problem(
        app.post(&path, tok, json!({"controllers": ["west", "oost"]}))
            .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_already_split", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("controllers[1]"),
        "{p}"
    );
    let l = json_ok(
        app.get(&format!("/api/v1/incidents/{id}/linked"), tok)
            .await,
        200,
    )
    .await;
    assert_eq!(
        l["linked"].as_array().unwrap().len(),
        1,
        "west not made either"
    );
    // A part is not split again.
    let part = l["linked"][0]["incident_id"].as_str().unwrap();
    let p = assert_problem(
        app.post(
            &format!("/api/v1/incidents/{part}/split"),
            Some(&cast.oost.token),
            json!({"controllers": ["west"]}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_is_part");
}
both!(bad_splits_are_refused_naming_the_field);

async fn a_shared_change_is_offered_and_taken_over(app: TestApp) {
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let (_, oost_id, west_id) = split(&app, &cast, &id).await;
    let o = format!("/api/v1/incidents/{oost_id}");
    let tok = Some(cast.oost.token.as_str());

    // Nothing offered yet.
    let v = json_ok(app.get(&format!("{o}/shared-origin"), tok).await, 200).await;
    assert_eq!(v["offer"], Value::Null);
    assert_eq!(v["facts_version_taken"], 1);
    let p = assert_problem(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": 1}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_no_offer");

    // Oost decides, drafts its provisional AP notification and its FG signs it off.
    for to in ["triage", "assessed"] {
        json_ok(
            app.post(&format!("{o}/transitions"), tok, json!({"to": to}))
                .await,
            200,
        )
        .await;
    }
    // Oost overrides one fact with its own answer.
    let mut mine =
        json_ok(app.get(&format!("{o}/assessment"), tok).await, 200).await["facts"].clone();
    mine["malicious_intent"] = e(json!(true));
    json_ok(app.put(&format!("{o}/facts"), tok, mine).await, 200).await;
    json_ok(
        app.post(
            &format!("{o}/decision"),
            tok,
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "BSN bij onbekenden"}),
        )
        .await,
        201,
    )
    .await;
    let n = format!("{o}/notifications");
    let d = json_ok(
        app.post(
            &n,
            tok,
            json!({"purpose": "ap", "kind": "initial_provisional", "input": {
                "reporter_name": "P. Jansen", "reporter_function": "privacy officer",
                "reporter_phone": "010-1234567", "reporter_email": "p.jansen@oost.example.nl",
                "measures": "de post is teruggehaald"}}),
        )
        .await,
        201,
    )
    .await;
    let did = d["id"].as_str().unwrap().to_string();
    json_ok(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&cast.oost_fg.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        200,
    )
    .await;

    // The shared team finds more people affected: a change offered to both parts.
    json_ok(
        app.put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&cast.dienst.token),
            facts(450),
        )
        .await,
        200,
    )
    .await;
    let l = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/linked"),
            Some(&cast.dienst.token),
        )
        .await,
        200,
    )
    .await;
    for item in l["linked"].as_array().unwrap() {
        assert_eq!(item["change_offered"], true, "{item}");
    }
    let v = json_ok(app.get(&format!("{o}/shared-origin"), tok).await, 200).await;
    assert_eq!(v["offer"]["version"], 2, "{v}");
    let fields: Vec<&str> = v["offer"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["people", "records"]);
    assert_eq!(v["offer"]["changes"][1]["offered"]["value"], 450);
    assert_eq!(v["offer"]["changes"][1]["yours"]["value"], 120);
    // Nothing changes for oost until its staff accept.
    let a = json_ok(app.get(&format!("{o}/assessment"), tok).await, 200).await;
    assert_eq!(a["facts"]["records"]["value"], 120);

    // A stale version is a conflict; the right one takes the change over.
    let p = assert_problem(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": 1}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_offer_stale");
    assert_problem(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": "x"}),
        )
        .await,
        422,
        None,
    )
    .await;
    let v = json_ok(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": 2}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["offer"], Value::Null);
    assert_eq!(v["facts_version_taken"], 2);
    let a = json_ok(app.get(&format!("{o}/assessment"), tok).await, 200).await;
    assert_eq!(a["facts"]["records"]["value"], 450);
    assert_eq!(a["facts"]["records"]["provenance"], "derived");
    assert_eq!(a["facts"]["people"]["value"]["n"], 450);
    // Oost's own answer stays.
    assert_eq!(a["facts"]["malicious_intent"], e(json!(true)));
    // The FG's sign-off is void, as after any change of facts.
    let d = json_ok(app.get(&format!("{n}/{did}"), tok).await, 200).await;
    assert_eq!(d["approval"]["state"], "void", "{d}");
    // Audited.
    let trail = json_ok(app.get(&format!("{o}/audit"), tok).await, 200).await;
    let acc = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "incident.shared_change_accepted")
        .expect("acceptance audited");
    assert_eq!(acc["after"]["fields"], json!(["people", "records"]));
    // The same facts recorded again (a new version, no value changed) offer nothing.
    json_ok(
        app.put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&cast.dienst.token),
            facts(450),
        )
        .await,
        200,
    )
    .await;
    let v = json_ok(app.get(&format!("{o}/shared-origin"), tok).await, 200).await;
    assert_eq!(v["offer"], Value::Null, "{v}");

    // The shared team corrects what happened and when it began: offered as details.
    let began = Utc::now() - Duration::hours(50);
    json_ok(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            Some(&cast.dienst.token),
            json!({"description": "Twee brieven gingen naar verkeerde adressen.",
                   "breach_started_at": began}),
        )
        .await,
        200,
    )
    .await;
    let v = json_ok(app.get(&format!("{o}/shared-origin"), tok).await, 200).await;
    let details: Vec<&str> = v["offer"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(details, vec!["description", "breach_started_at"], "{v}");
    assert_eq!(v["offer"]["changes"], json!([]));
    assert_eq!(
        v["offer"]["details"][0]["offered"],
        "Twee brieven gingen naar verkeerde adressen."
    );
    let (fv, iv) = (
        v["offer"]["version"].clone(),
        v["offer"]["incident_version"].clone(),
    );
    let p = assert_problem(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": fv}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(
        p["code"], "shared_offer_stale",
        "details need the incident's version"
    );
    json_ok(
        app.post(
            &format!("{o}/shared-origin/accept"),
            tok,
            json!({"version": fv, "incident_version": iv}),
        )
        .await,
        200,
    )
    .await;
    let oost = json_ok(app.get(&o, tok).await, 200).await;
    assert_eq!(
        oost["description"],
        "Twee brieven gingen naar verkeerde adressen."
    );
    assert_eq!(
        instant(&oost["breach_started_at"]).timestamp(),
        began.timestamp()
    );
    let v = json_ok(app.get(&format!("{o}/shared-origin"), tok).await, 200).await;
    assert_eq!(v["offer"], Value::Null, "{v}");
    let west = json_ok(
        app.get(
            &format!("/api/v1/incidents/{west_id}"),
            Some(&cast.west.token),
        )
        .await,
        200,
    )
    .await;
    assert_ne!(west["description"], oost["description"], "west not yet");

    // West still has it waiting; the shared team sees that.
    let l = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/linked"),
            Some(&cast.dienst.token),
        )
        .await,
        200,
    )
    .await;
    for item in l["linked"].as_array().unwrap() {
        assert_eq!(
            item["change_offered"],
            item["incident_id"] == west_id.as_str()
        );
    }
    let w = json_ok(
        app.get(
            &format!("/api/v1/incidents/{west_id}/assessment"),
            Some(&cast.west.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(w["facts"]["records"]["value"], 120);
}
both!(a_shared_change_is_offered_and_taken_over);

/// Every new route for the shared team, controller A (oost), controller B (west), an unrelated
/// organisation (elders) and anonymous; plus the existing routes that must stay per organisation.
async fn access_matrix(app: TestApp) {
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let path = format!("/api/v1/incidents/{id}/split");
    // The split: only the shared team.
    for (who, want) in [
        (Some(&cast.oost), 404),
        (Some(&cast.west), 404),
        (Some(&cast.elders), 404),
        (None, 401),
    ] {
        let r = app
            .post(
                &path,
                who.map(|u| u.token.as_str()),
                json!({"controllers": ["oost"]}),
            )
            .await;
        assert_eq!(
            r.status().as_u16(),
            want,
            "split by {:?}",
            who.map(|u| &u.email)
        );
    }
    let (_, oost_id, west_id) = split(&app, &cast, &id).await;

    let get = |path: String, who: Option<&User>| {
        let t = who.map(|u| u.token.clone());
        let app = &app;
        async move { app.get(&path, t.as_deref()).await.status().as_u16() }
    };
    // The shared team's list.
    let linked = format!("/api/v1/incidents/{id}/linked");
    assert_eq!(get(linked.clone(), Some(&cast.dienst)).await, 200);
    for who in [&cast.oost, &cast.west, &cast.elders] {
        assert_eq!(get(linked.clone(), Some(who)).await, 404, "{}", who.email);
    }
    assert_eq!(get(linked.clone(), None).await, 401);
    // A controller's view of its part (and of no other part).
    for (part, own, other) in [
        (&oost_id, &cast.oost, &cast.west),
        (&west_id, &cast.west, &cast.oost),
    ] {
        let origin = format!("/api/v1/incidents/{part}/shared-origin");
        assert_eq!(get(origin.clone(), Some(own)).await, 200);
        for who in [&cast.dienst, other, &cast.elders] {
            assert_eq!(get(origin.clone(), Some(who)).await, 404, "{}", who.email);
        }
        assert_eq!(get(origin.clone(), None).await, 401);
        let notice = format!("{origin}/notified-at");
        let accept = format!("{origin}/accept");
        for who in [&cast.dienst, other, &cast.elders] {
            let r = app
                .put(
                    &notice,
                    Some(&who.token),
                    json!({"notified_at": Utc::now()}),
                )
                .await;
            assert_eq!(r.status().as_u16(), 404, "notice by {}", who.email);
            let r = app
                .post(&accept, Some(&who.token), json!({"version": 1}))
                .await;
            assert_eq!(r.status().as_u16(), 404, "accept by {}", who.email);
        }
        assert_eq!(
            app.put(&notice, None, json!({"notified_at": Utc::now()}))
                .await
                .status()
                .as_u16(),
            401
        );
        assert_eq!(
            app.post(&accept, None, json!({"version": 1}))
                .await
                .status()
                .as_u16(),
            401
        );
        let r = app
            .put(
                &notice,
                Some(&own.token),
                json!({"notified_at": Utc::now() - Duration::hours(1)}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        // The part itself, its facts and its notifications: its controller only.
        for sub in ["", "/assessment", "/notifications", "/audit"] {
            let p = format!("/api/v1/incidents/{part}{sub}");
            assert_eq!(get(p.clone(), Some(own)).await, 200, "{p}");
            for who in [&cast.dienst, other, &cast.elders] {
                assert_eq!(get(p.clone(), Some(who)).await, 404, "{p} by {}", who.email);
            }
        }
    }
    // A controller never sees the shared incident; its own part is not a shared incident.
    for who in [&cast.oost, &cast.west, &cast.elders] {
        assert_eq!(
            get(format!("/api/v1/incidents/{id}"), Some(who)).await,
            404,
            "{}",
            who.email
        );
    }
    assert_eq!(
        get(
            format!("/api/v1/incidents/{oost_id}/linked"),
            Some(&cast.oost)
        )
        .await,
        409
    );
    // The shared incident has no shared origin.
    assert_eq!(
        get(
            format!("/api/v1/incidents/{id}/shared-origin"),
            Some(&cast.dienst)
        )
        .await,
        404
    );
    // The controllers' lists show their own part only.
    for (who, part) in [(&cast.oost, &oost_id), (&cast.west, &west_id)] {
        let v = json_ok(app.get("/api/v1/incidents", Some(&who.token)).await, 200).await;
        let ids: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![part.as_str()], "{}", who.email);
        // Its register entry is its own too, under its own name.
        let reg = json_ok(app.get("/api/v1/register", Some(&who.token)).await, 200).await;
        let entries: Vec<&str> = reg
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["incident_id"].as_str().unwrap())
            .collect();
        assert_eq!(entries, vec![part.as_str()], "{}", who.email);
    }
    let reg = json_ok(
        app.get("/api/v1/register", Some(&cast.dienst.token)).await,
        200,
    )
    .await;
    let entries: Vec<&str> = reg
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["incident_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        entries,
        vec![id.as_str()],
        "the shared team's register: its own incident"
    );
}
both!(access_matrix);

// --- the pages ------------------------------------------------------------------------------

/// A browser of its own (cookies), signed in as one person.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let r = self.client.get(self.app.url(path)).send().await.unwrap();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), loc, r.text().await.unwrap())
    }

    async fn page(&self, path: &str) -> String {
        let (s, _, html) = self.get(path).await;
        assert_eq!(s, 200, "{path}: {html}");
        html
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self
            .client
            .post(self.app.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), loc, r.text().await.unwrap())
    }

    async fn sign_in(app: &'a TestApp, email: &str) -> Browser<'a> {
        let b = Browser::new(app);
        let html = b.page("/staff/login").await;
        let csrf = crate::staff_pages::csrf_of(&html);
        let (s, _, _) = b
            .post(
                "/staff/login",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", crate::helpers::PASSWORD),
                ],
            )
            .await;
        assert_eq!(s, 303, "sign in {email}");
        b
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The shared team splits on its page (errors in Dutch and English), sees the parts; a
/// controller corrects its notice moment and takes a change over ("Overnemen") on its page;
/// nobody else sees either page.
async fn the_pages_split_show_and_take_over(app: TestApp) {
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let team = Browser::sign_in(&app, &cast.dienst.email).await;
    let html = team.page(&format!("/staff/incidents/{id}")).await;
    assert!(
        html.contains(&format!("/staff/incidents/{id}/shared")),
        "hook"
    );
    let page = format!("/staff/incidents/{id}/shared");
    let html = team.page(&page).await;
    assert!(
        html.contains("Gemeente oost (contract: melden binnen 24 uur)"),
        "{html}"
    );
    assert!(html.contains("nog niet verdeeld"));
    assert!(!html.contains("Gemeente noord"), "not linked: not offered");
    let csrf = crate::staff_pages::csrf_of(&html);
    let split = format!("{page}/split");

    // Nothing chosen; a moment that is no moment; one before the shared organisation knew.
    let (s, _, html) = team.post(&split, &[("csrf", &csrf)]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Kies ten minste één opdrachtgever."),
        "{html}"
    );
    let (s, _, html) = team
        .post(
            &split,
            &[
                ("csrf", &csrf),
                ("controllers", "oost"),
                ("notified_at", "gisteren"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("Vul een datum en tijd in"), "{html}");
    assert!(
        html.contains("value=\"oost\" checked"),
        "what was ticked stays ticked"
    );
    let early = local(Utc::now() - Duration::hours(40));
    let (s, _, html) = team
        .post(
            &split,
            &[
                ("csrf", &csrf),
                ("controllers", "oost"),
                ("notified_at", &early),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("vóór het moment waarop de gedeelde organisatie"),
        "{html}"
    );
    // Without the token: the page has expired, nothing made.
    let (s, _, _) = team.post(&split, &[("controllers", "oost")]).await;
    assert_eq!(s, 403);

    let (s, loc, _) = team
        .post(&split, &[("csrf", &csrf), ("controllers", "oost")])
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, format!("{page}?ok=split").as_str())
    );
    let html = team.page(&format!("{page}?ok=split")).await;
    assert!(html.contains("De incidenten bij de opdrachtgevers zijn gemaakt."));
    assert!(html.contains("Gemeente oost") && html.contains("DL-2026-0001"));
    assert!(html.contains("nog 7"), "the clock of oost: {html}");
    // Oost again: refused in words, naming it.
    let (s, _, html) = team
        .post(&split, &[("csrf", &csrf), ("controllers", "oost")])
        .await;
    assert_eq!(s, 409);
    assert!(
        html.contains("Voor oost is al een incident gemaakt."),
        "{html}"
    );

    let l = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/linked"),
            Some(&cast.dienst.token),
        )
        .await,
        200,
    )
    .await;
    let part = l["linked"][0]["incident_id"].as_str().unwrap().to_string();
    let origin = format!("/staff/incidents/{part}/shared-origin");

    // The controller's page.
    let oost = Browser::sign_in(&app, &cast.oost.email).await;
    let html = oost.page(&format!("/staff/incidents/{part}")).await;
    assert!(html.contains(&origin), "hook");
    let html = oost.page(&origin).await;
    assert!(
        html.contains("Gemeente dienst meldde u dit datalek"),
        "{html}"
    );
    assert!(html.contains("Er zijn geen nieuwe wijzigingen."));
    let csrf = crate::staff_pages::csrf_of(&html);
    let (s, _, html) = oost
        .post(
            &format!("{origin}/notified-at"),
            &[("csrf", &csrf), ("notified_at", "")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("Vul dit in"), "{html}");
    let future = local(Utc::now() + Duration::hours(3));
    let (s, _, html) = oost
        .post(
            &format!("{origin}/notified-at"),
            &[("csrf", &csrf), ("notified_at", &future)],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("in de toekomst"), "{html}");
    let earlier = Utc::now() - Duration::hours(1);
    let (s, loc, _) = oost
        .post(
            &format!("{origin}/notified-at"),
            &[("csrf", &csrf), ("notified_at", &local(earlier))],
        )
        .await;
    assert_eq!((s, loc), (303, format!("{origin}?ok=notified")));
    let v = json_ok(
        app.get(
            &format!("/api/v1/incidents/{part}/shared-origin"),
            Some(&cast.oost.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(instant(&v["notified_at"]), local_minute(earlier));

    // A change of the shared facts, taken over on the page.
    json_ok(
        app.put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&cast.dienst.token),
            facts(300),
        )
        .await,
        200,
    )
    .await;
    let html = oost.page(&origin).await;
    assert!(html.contains("Overnemen"), "{html}");
    assert!(html.contains("<td data-label=\"Nieuw\">300</td>"), "{html}");
    let (s, _, html) = oost
        .post(
            &format!("{origin}/accept"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(s, 409);
    assert!(html.contains("net weer gewijzigd"), "{html}");
    let (s, _, _) = oost
        .post(
            &format!("{origin}/accept"),
            &[("csrf", &csrf), ("version", "x")],
        )
        .await;
    assert_eq!(s, 400);
    let (s, loc, _) = oost
        .post(
            &format!("{origin}/accept"),
            &[("csrf", &csrf), ("version", "2")],
        )
        .await;
    assert_eq!((s, loc), (303, format!("{origin}?ok=accepted")));
    let html = oost.page(&format!("{origin}?ok=accepted")).await;
    assert!(html.contains("De wijzigingen zijn overgenomen."));
    assert!(html.contains("Er zijn geen nieuwe wijzigingen."));

    // English.
    let (s, _, _) = oost.get("/lang/en?next=/").await;
    assert_eq!(s, 303);
    let html = oost.page(&origin).await;
    assert!(
        html.contains("Notice from the shared organisation"),
        "{html}"
    );
    assert!(html.contains("Gemeente dienst told you of this breach"));

    // Nobody else sees either page; anonymous goes to the login.
    let west = Browser::sign_in(&app, &cast.west.email).await;
    let elders = Browser::sign_in(&app, &cast.elders.email).await;
    for (who, path) in [
        (&oost, page.clone()),
        (&west, page.clone()),
        (&elders, page.clone()),
        (&team, origin.clone()),
        (&west, origin.clone()),
        (&elders, origin.clone()),
    ] {
        let (s, _, _) = who.get(&path).await;
        assert_eq!(s, 404, "{path}");
    }
    let anon = Browser::new(&app);
    for path in [&page, &origin] {
        let (s, loc, _) = anon.get(path).await;
        assert_eq!(s, 303, "{path}");
        assert!(loc.starts_with("/staff/login"), "{loc}");
    }
    // Another's form posted with a valid token of one's own: refused, nothing changed.
    let html = west.page("/staff/incidents").await;
    let wcsrf = crate::staff_pages::csrf_of(&html);
    let (s, _, _) = west
        .post(&split, &[("csrf", &wcsrf), ("controllers", "west")])
        .await;
    assert_eq!(s, 404);
    let (s, _, _) = west
        .post(
            &format!("{origin}/accept"),
            &[("csrf", &wcsrf), ("version", "2")],
        )
        .await;
    assert_eq!(s, 404);
    let tcsrf = crate::staff_pages::csrf_of(&team.page(&page).await);
    let (s, _, _) = team
        .post(
            &format!("{origin}/notified-at"),
            &[("csrf", &tcsrf), ("notified_at", &local(earlier))],
        )
        .await;
    assert_eq!(s, 404);
}
both!(the_pages_split_show_and_take_over);

/// An instant cut to the minute (as a `datetime-local` field keeps it).
fn local_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    t.with_second(0).unwrap().with_nanosecond(0).unwrap()
}

/// A controller declines a change that does not hold for it: a reason is required (named at the
/// field, in Dutch on the page), its own facts stay, the change is no longer offered, the reason is
/// in the trail of its incident and of the shared incident; another controller still sees the
/// offer, and nobody else may decline.
async fn a_shared_change_can_be_declined_with_a_reason(app: TestApp) {
    use meldpunt::audit::store as audit_store;
    let cast = cast(&app);
    let id = shared_incident(&app, &cast).await;
    let (_, oost_id, west_id) = split(&app, &cast, &id).await;
    json_ok(
        app.put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&cast.dienst.token),
            facts(450),
        )
        .await,
        200,
    )
    .await;
    let o = format!("/api/v1/incidents/{oost_id}/shared-origin");
    let tok = Some(cast.oost.token.as_str());
    let v = json_ok(app.get(&o, tok).await, 200).await;
    let version = v["offer"]["version"].as_i64().expect("an offer");

    // No reason, or a blank one: 422 naming the field; nothing changes.
    for body in [
        json!({"version": version}),
        json!({"version": version, "reason": "  "}),
    ] {
        let p = assert_problem(
            app.post(&format!("{o}/decline"), tok, body).await,
            422,
            None,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "reason", "{p}");
    }
    let long = "x".repeat(2_001);
    let p = assert_problem(
        app.post(
            &format!("{o}/decline"),
            tok,
            json!({"version": version, "reason": long}),
        )
        .await,
        422,
        None,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "reason", "{p}");
    // A stale version: 409.
    let p = assert_problem(
        app.post(
            &format!("{o}/decline"),
            tok,
            json!({"version": version - 1, "reason": "klopt niet"}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_offer_stale");
    // Not theirs: west's handler, the shared team and another organisation get 404.
    for t in [&cast.west.token, &cast.dienst.token, &cast.elders.token] {
        let r = app
            .post(
                &format!("{o}/decline"),
                Some(t),
                json!({"version": version, "reason": "klopt niet"}),
            )
            .await;
        assert_eq!(r.status(), 404);
    }
    let r = app
        .post(
            &format!("{o}/decline"),
            None,
            json!({"version": version, "reason": "klopt niet"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let before = json_ok(
        app.get(&format!("/api/v1/incidents/{oost_id}/assessment"), tok)
            .await,
        200,
    )
    .await["facts"]
        .clone();

    // Declined: the offer is gone, the facts are as they were, the reason is in both trails.
    let v = json_ok(
        app.post(
            &format!("{o}/decline"),
            tok,
            json!({"version": version, "reason": "Bij ons ging het om 120 brieven, niet 450"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["offer"], Value::Null, "{v}");
    let after = json_ok(
        app.get(&format!("/api/v1/incidents/{oost_id}/assessment"), tok)
            .await,
        200,
    )
    .await["facts"]
        .clone();
    assert_eq!(before, after, "its own facts stay");
    let mut c = app.conn();
    for incident in [&oost_id, &id] {
        let trail = audit_store::for_entity(&mut c, "incident", incident).unwrap();
        let d = trail
            .iter()
            .find(|r| r.action == "incident.shared_change_declined")
            .unwrap_or_else(|| panic!("declined in the trail of {incident}"));
        assert!(
            d.after_json
                .as_deref()
                .unwrap_or("")
                .contains("120 brieven, niet 450"),
            "{d:?}"
        );
    }
    // West was not asked: its offer still waits.
    let w = json_ok(
        app.get(
            &format!("/api/v1/incidents/{west_id}/shared-origin"),
            Some(&cast.west.token),
        )
        .await,
        200,
    )
    .await;
    assert!(w["offer"].is_object(), "{w}");
    // Nothing waits any more for oost: a second decline is refused.
    let p = assert_problem(
        app.post(
            &format!("{o}/decline"),
            tok,
            json!({"version": version, "reason": "nogmaals"}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_eq!(p["code"], "shared_no_offer");

    // On west's page: the reason asked in Dutch, named at the field when left empty.
    let b = Browser::sign_in(&app, "behandelaar@west.example.nl").await;
    let page = format!("/staff/incidents/{west_id}/shared-origin");
    let html = b.page(&page).await;
    assert!(html.contains("Niet overnemen"), "{html}");
    let csrf = crate::staff_pages::csrf_of(&html);
    let version = w["offer"]["version"].as_i64().unwrap().to_string();
    let iv = w["offer"]["incident_version"]
        .as_i64()
        .map(|v| v.to_string())
        .unwrap_or_default();
    let form = |reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version.clone()),
            ("incident_version", iv.clone()),
            ("reason", reason.to_string()),
        ]
    };
    let f = form("");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = b.post(&format!("{page}/decline"), &pairs).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Schrijf op waarom de wijziging voor uw organisatie niet klopt."),
        "{html}"
    );
    let f = form("Bij ons waren het er minder");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, loc, _) = b.post(&format!("{page}/decline"), &pairs).await;
    assert_eq!(s, 303);
    let html = b.page(&loc).await;
    assert!(
        html.contains("U heeft de wijziging niet overgenomen."),
        "{html}"
    );
    assert!(html.contains("Er zijn geen nieuwe wijzigingen."));

    // The page route for nobody else: another organisation's handler gets 404 (its own CSRF
    // token, so it is the authorisation that refuses), and without a session the login page.
    let other = Browser::sign_in(&app, "behandelaar@elders.example.nl").await;
    let csrf = crate::staff_pages::csrf_of(&other.page("/staff/incidents").await);
    let (s, _, _) = other
        .post(
            &format!("{page}/decline"),
            &[("csrf", &csrf), ("version", "2"), ("reason", "x")],
        )
        .await;
    assert_eq!(s, 404);
    let (s, loc, _) = Browser::new(&app)
        .post(
            &format!("{page}/decline"),
            &[("version", "2"), ("reason", "x")],
        )
        .await;
    assert!(
        (s == 303 && loc.contains("/staff/login")) || s == 401 || s == 403,
        "{s} {loc}"
    );
}
both!(a_shared_change_can_be_declined_with_a_reason);

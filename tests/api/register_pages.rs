//! The assessment, measures and register pages, as a browser without JavaScript uses them.
use chrono::Duration;
use meldpunt::auth::Role;
use serde_json::Value;

use crate::both;
use crate::helpers::TestApp;
use crate::staff_pages::{csrf_of, get, get_ok, hidden, location, post, sign_in};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}

async fn assessment(app: &TestApp, id: &str, token: &str) -> Value {
    app.get(&format!("/api/v1/incidents/{id}/assessment"), Some(token))
        .await
        .json()
        .await
        .unwrap()
}

async fn assessment_decision_and_measures_through_the_forms(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 4).await;
    let id = inc["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let page = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &page).await;
    assert!(html.contains("Beoordeling"));
    assert!(html.contains("Er zijn nog geen feiten vastgelegd"));
    let csrf = csrf_of(&html);

    // A number that is not one: the page comes back with the message and what was typed.
    let r = post(
        &app,
        &format!("{page}/assessment"),
        &[
            ("csrf", &csrf),
            ("fx.kind", "letter_wrong_recipient"),
            ("fx.people_exact", "veel"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Vul een heel getal in"), "{body}");
    assert!(
        assessment(&app, &id, &h.token).await["facts_version"].is_null(),
        "nothing stored"
    );

    // An impossible combination: refused with the domain's reason, in Dutch.
    let r = post(
        &app,
        &format!("{page}/assessment"),
        &[
            ("csrf", &csrf),
            ("fx.people_min", "50"),
            ("fx.people_max", "10"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("field-error"));

    let form = [
        ("csrf", csrf.as_str()),
        ("fx.kind", "letter_wrong_recipient"),
        ("fx.nature", "confidentiality"),
        ("fx.general_data", "name"),
        ("fx.general_data", "address"),
        ("fx.general_data", "bsn"),
        ("confirm.special_categories", "1"),
        ("fx.groups", "customers"),
        ("fx.people_exact", "1"),
        ("fx.protection_method", "none"),
        ("fx.recipients_known", "true"),
        ("fx.recipients_trustworthy", "false"),
        ("fx.malicious_intent", "false"),
    ];
    let r = post(&app, &format!("{page}/assessment"), &form).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("ok=assessed"));
    let a = assessment(&app, &id, &h.token).await;
    assert_eq!(
        a["facts"]["kind"],
        serde_json::json!({"provenance": "entered", "value": "letter_wrong_recipient"})
    );
    assert_eq!(
        a["facts"]["general_data"]["value"],
        serde_json::json!(["name", "bsn", "address"])
    );
    assert_eq!(
        a["facts"]["special_categories"],
        serde_json::json!({"provenance": "entered", "value": []})
    );
    assert_eq!(
        a["facts"]["people"]["value"],
        serde_json::json!({"type": "exact", "n": 1})
    );
    assert_eq!(a["proposal"]["outcome"], "notify_ap_and_data_subjects");
    let html = get_ok(&app, &page).await;
    assert!(html.contains("melden bij de AP en de betrokkenen informeren"));

    // The decision: reasons required; differing from the proposal needs a reason for it.
    let r = post(
        &app,
        &format!("{page}/decision"),
        &[
            ("csrf", &csrf),
            ("outcome", "notify_ap_and_data_subjects"),
            ("reasons", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        &format!("{page}/decision"),
        &[
            ("csrf", &csrf),
            ("outcome", "register_only"),
            ("reasons", "Ontvanger is een collega-gemeente"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        &format!("{page}/decision"),
        &[
            ("csrf", &csrf),
            ("outcome", "notify_ap_and_data_subjects"),
            ("reasons", "BSN met naam en adres bij een onbekende"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        assessment(&app, &id, &h.token).await["decision"]["outcome"],
        "notify_ap_and_data_subjects"
    );

    // Measures: a date that is not one; then one that is; done needs evidence.
    let r = post(
        &app,
        &format!("{page}/measures"),
        &[
            ("csrf", &csrf),
            ("description", "Adres controleren"),
            ("due_on", "volgende week"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("Adres controleren"),
        "typed text kept"
    );
    let due = (today() + Duration::days(7)).to_string();
    let r = post(
        &app,
        &format!("{page}/measures"),
        &[
            ("csrf", &csrf),
            ("description", "Adres controleren"),
            ("due_on", &due),
            ("owner_id", &h.id),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let list: Value = app
        .get(&format!("/api/v1/incidents/{id}/measures"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let mid = list[0]["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &format!("{page}/measures/{mid}"),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("status", "done"),
            ("evidence", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);

    // Closing with the measure open: the page says why; nothing changes.
    for to in ["triage", "assessed"] {
        let r = post(
            &app,
            &format!("{page}/state"),
            &[("csrf", &csrf), ("to", to)],
        )
        .await;
        assert_eq!(r.status(), 303, "{to}");
    }
    let html = get_ok(&app, &page).await;
    assert!(html.contains("f-lessons_learned"));
    let r = post(
        &app,
        &format!("{page}/state"),
        &[
            ("csrf", &csrf),
            ("to", "closed"),
            ("lessons_learned", "Adressen dubbel controleren"),
        ],
    )
    .await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("Er staan nog maatregelen open"), "{body}");
    assert!(
        body.contains("Adressen dubbel controleren"),
        "typed lessons kept"
    );
    let r = post(
        &app,
        &format!("{page}/measures/{mid}"),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("status", "done"),
            ("evidence", "Controle ingevoerd in de werkinstructie"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &app,
        &format!("{page}/state"),
        &[
            ("csrf", &csrf),
            ("to", "closed"),
            ("lessons_learned", "Adressen dubbel controleren"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let html = get_ok(&app, &page).await;
    assert!(html.contains("Gesloten op"));
    assert!(html.contains("Adressen dubbel controleren"));
}
both!(assessment_decision_and_measures_through_the_forms);

async fn register_statistics_and_processing_register_pages(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 4).await;
    let id = inc["id"].as_str().unwrap().to_string();
    app.open_incident(&w, "west", 4).await;

    // Not signed in: to the login page.
    let r = app
        .client
        .get(app.url("/staff/register"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/staff/login"));

    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/register").await;
    assert!(html.contains(inc["reference"].as_str().unwrap()));
    assert!(
        html.contains("1 datalek<"),
        "only the own organisation: singular"
    );
    assert!(html.contains("format&#x3D;csv") || html.contains("format=csv"));
    let html = get_ok(&app, "/staff/register?timeliness=within&kind=nonsense").await;
    assert!(html.contains("0 datalekken"));
    let html = get_ok(&app, "/staff/statistics").await;
    assert!(html.contains("<svg"));
    assert!(html.contains("Binnen 72 uur gemeld: 0 van 0"));
    // The export through the session, as the link on the page does.
    let r = app
        .client
        .get(app.url("/api/v1/register?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(inc["reference"].as_str().unwrap()));

    // The processing register: add one through the form, with a missing field first.
    let html = get_ok(&app, "/staff/activities").await;
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        "/staff/activities",
        &[
            ("csrf", &csrf),
            ("org", "oost"),
            ("name", "Uitkeringen"),
            ("purposes", ""),
            ("legal_basis", "legal_obligation"),
            ("data", "name"),
            ("groups", "customers"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("vermeld de doeleinden"));
    let r = post(
        &app,
        "/staff/activities",
        &[
            ("csrf", &csrf),
            ("org", "oost"),
            ("name", "Uitkeringen"),
            ("purposes", "Bijstand"),
            ("legal_basis", "legal_obligation"),
            ("data", "name"),
            ("data", "bsn"),
            ("groups", "customers"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    // Another organisation is not one to add to.
    let r = post(
        &app,
        "/staff/activities",
        &[
            ("csrf", &csrf),
            ("org", "west"),
            ("name", "X"),
            ("purposes", "Y"),
            ("legal_basis", "consent"),
            ("data", "name"),
            ("groups", "customers"),
        ],
    )
    .await;
    assert_eq!(r.status(), 404);

    // Import a file: a bad one names the line and imports nothing; a good one adds.
    let bad = "name,purposes,legal_basis,data_categories,special_categories,person_groups,recipients,processors,retention\nLeerlingen,Onderwijs,magic,name,,minors,,,\n";
    let part = reqwest::multipart::Part::bytes(bad.as_bytes().to_vec()).file_name("register.csv");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("org", "oost")
        .part("file", part);
    let r = app
        .client
        .post(app.url("/staff/activities/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Regel 2, legal_basis"));
    let good = bad.replace("magic", "public_task");
    let part = reqwest::multipart::Part::bytes(good.into_bytes()).file_name("register.csv");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("org", "oost")
        .part("file", part);
    let r = app
        .client
        .post(app.url("/staff/activities/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Geïmporteerd: 1 nieuw, 0 bijgewerkt."),
        "{html}"
    );
    assert!(html.contains("Leerlingen"));

    // Link the incident to an activity on its page: the categories come in as derived.
    let acts: Value = app
        .get("/api/v1/organisations/oost/activities", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let uitk = acts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Uitkeringen")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/staff/incidents/{id}");
    let r = post(
        &app,
        &format!("{page}/activities"),
        &[("csrf", &csrf), ("activity", &uitk)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let html = get_ok(&app, &page).await;
    assert!(
        html.contains("afgeleid uit verwerkingsregister: Uitkeringen"),
        "provenance shown"
    );

    // Edit: a stale version is refused; another organisation's activity does not exist.
    let apage = format!("/staff/activities/{uitk}");
    let html = get_ok(&app, &apage).await;
    let version = hidden(&html, "version");
    let r = post(
        &app,
        &apage,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("name", "Uitkeringen Participatiewet"),
            ("purposes", "Bijstand"),
            ("legal_basis", "legal_obligation"),
            ("data", "name"),
            ("groups", "customers"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &app,
        &apage,
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("name", "Oud"),
            ("purposes", "Bijstand"),
            ("legal_basis", "legal_obligation"),
            ("data", "name"),
            ("groups", "customers"),
        ],
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post(&app, "/staff/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    sign_in(&app, "h@west.nl").await;
    let (status, _) = get(&app, &apage).await;
    assert_eq!(status, 404);
    let (status, _) = get(&app, &page).await;
    assert_eq!(status, 404);
}
both!(register_statistics_and_processing_register_pages);

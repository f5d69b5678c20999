//! Issue 19, point 3, in the pages (as a browser without JavaScript uses them) on SQLite and
//! PostgreSQL: a processor's account signs in and lands on its notices, sends a notice (the form
//! comes back with every error in the person's language, Dutch and English), follows it and adds
//! to it; the controller's handler sees the late flag in the inbox and the notice with the report;
//! the administrators link processors. Denials for everyone else.
use chrono::{Duration, Utc};
use chrono_tz::Europe::Amsterdam;
use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{TestApp, PASSWORD};
use crate::staff_pages::csrf_of;

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
        let csrf = csrf_of(&html);
        let (s, _, _) = b
            .post(
                "/staff/login",
                &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s, 303, "sign in {email}");
        b
    }

    async fn english(&self) {
        let (s, _, _) = self.get("/lang/en?next=/").await;
        assert_eq!(s, 303);
    }
}

fn local(minutes_ago: i64) -> String {
    (Utc::now() - Duration::minutes(minutes_ago))
        .with_timezone(&Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn setup(app: &TestApp) {
    for o in ["oost", "west", "drukker"] {
        app.create_org(o);
    }
    app.create_user_full("beheer@meldpunt.test", &[], true);
    app.create_user("admin@oost.example.nl", &[("oost", Role::Admin)]);
    app.create_user("behandelaar@oost.example.nl", &[("oost", Role::Handler)]);
    app.create_user("behandelaar@west.example.nl", &[("west", Role::Handler)]);
    app.create_user("meldt@drukker.example.nl", &[("drukker", Role::Processor)]);
}

/// The whole walk: link, send, follow, add; the controller's side; the denials.
async fn processor_walk(app: TestApp) {
    setup(&app).await;
    let anon = Browser::new(&app);
    for p in ["/verwerker", "/verwerker/melden", "/staff/admin/processors"] {
        let (s, loc, _) = anon.get(p).await;
        assert_eq!(s, 303, "{p}");
        assert!(loc.starts_with("/staff/login?next="), "{p}: {loc}");
    }

    // The controller's admin links the processor to oost (24 hours, the organisation's default).
    let admin = Browser::sign_in(&app, "admin@oost.example.nl").await;
    let html = admin.page("/staff/admin").await;
    assert!(html.contains("/staff/admin/processors"));
    let html = admin.page("/staff/admin/processors").await;
    assert!(html.contains("Verwerker koppelen"), "{html}");
    let controllers = html.split("name=\"controller\"").nth(1).unwrap();
    let controllers = controllers.split("</select>").next().unwrap();
    assert!(controllers.contains("value=\"oost\""));
    assert!(
        !controllers.contains("value=\"west\""),
        "oost's admin links only to oost"
    );
    let csrf = csrf_of(&html);
    // Nothing chosen: the form comes back with the errors, in Dutch.
    let (s, _, html) = admin
        .post(
            "/staff/admin/processors",
            &[("csrf", &csrf), ("contract_hours", "veel")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("Vul een heel aantal uren in"), "{html}");
    assert!(html.contains("href=\"#f-processor\""), "{html}");
    let (s, loc, _) = admin
        .post(
            "/staff/admin/processors",
            &[
                ("csrf", &csrf),
                ("processor", "drukker"),
                ("controller", "oost"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, "/staff/admin/processors?ok=linked")
    );
    let (s, _, html) = admin
        .post(
            "/staff/admin/processors",
            &[
                ("csrf", &csrf),
                ("processor", "drukker"),
                ("controller", "oost"),
            ],
        )
        .await;
    assert_eq!(s, 409);
    assert!(html.contains("al gekoppeld"), "{html}");
    // The installation administrator links it to west with 48 hours.
    let beheer = Browser::sign_in(&app, "beheer@meldpunt.test").await;
    let csrf = csrf_of(&beheer.page("/staff/admin/processors").await);
    let (s, _, _) = beheer
        .post(
            "/staff/admin/processors",
            &[
                ("csrf", &csrf),
                ("processor", "drukker"),
                ("controller", "west"),
                ("contract_hours", "48"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let html = beheer.page("/staff/admin/processors?ok=linked").await;
    assert!(html.contains("De verwerker is gekoppeld."));
    assert!(html.contains("binnen 48 uur melden"), "{html}");

    // A handler and the processor may not administer links.
    let oost = Browser::sign_in(&app, "behandelaar@oost.example.nl").await;
    let (s, _, _) = oost.get("/staff/admin/processors").await;
    assert_eq!(s, 403);
    let csrf = csrf_of(&oost.page("/staff/inbox").await);
    let (s, _, _) = oost
        .post(
            "/staff/admin/processors",
            &[
                ("csrf", &csrf),
                ("processor", "drukker"),
                ("controller", "oost"),
            ],
        )
        .await;
    assert_eq!(s, 403);
    // …and the processor's pages are not a handler's.
    for p in ["/verwerker", "/verwerker/melden"] {
        let (s, _, _) = oost.get(p).await;
        assert_eq!(s, 403, "{p}");
    }

    // The processor signs in and lands on its notices.
    let drukker = Browser::sign_in(&app, "meldt@drukker.example.nl").await;
    let (s, loc, _) = drukker.get("/staff").await;
    assert_eq!((s, loc.as_str()), (303, "/verwerker"));
    let html = drukker.page("/verwerker").await;
    assert!(html.contains("Meldingen van datalekken"), "{html}");
    assert!(html.contains("U heeft nog niets gemeld."));
    for p in ["/staff/admin/processors", "/staff/admin"] {
        let (s, _, _) = drukker.get(p).await;
        assert_eq!(s, 403, "{p}");
    }
    // The form offers the linked controllers only.
    let html = drukker.page("/verwerker/melden").await;
    assert!(html.contains("value=\"oost\"") && html.contains("value=\"west\""));
    assert!(
        !html.contains("value=\"drukker\""),
        "not its own organisation"
    );
    let csrf = csrf_of(&html);
    // An empty form comes back with every error named, in Dutch, what was typed kept.
    let (s, _, html) = drukker
        .post(
            "/verwerker/melden",
            &[
                ("csrf", &csrf),
                ("aware_at", "gisteren"),
                ("people_min", "veel"),
                ("measures", "Post teruggehaald"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    for m in [
        "Kies minstens één organisatie",
        "Beschrijf wat er is gebeurd.",
        "Vul een datum en tijd in",
        "Vul een heel getal in",
        "href=\"#f-controllers\"",
        "Post teruggehaald",
    ] {
        assert!(html.contains(m), "{m} missing");
    }
    // The same in English.
    drukker.english().await;
    let (s, _, html) = drukker
        .post(
            "/verwerker/melden",
            &[
                ("csrf", &csrf),
                ("controllers", "oost"),
                ("aware_at", &local(60)),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("Required: describe what happened."), "{html}");
    assert!(!html.contains("Beschrijf wat er is gebeurd."));
    let (s, _, _) = drukker.get("/lang/nl?next=/").await;
    assert_eq!(s, 303);
    // Sent: aware 30 hours ago — late for oost (24 hours), in time for west (48).
    let (s, loc, _) = drukker
        .post(
            "/verwerker/melden",
            &[
                ("csrf", &csrf),
                ("controllers", "oost"),
                ("controllers", "west"),
                ("description", "Loonstroken gingen naar verkeerde adressen."),
                ("aware_at", &local(30 * 60)),
                ("data_categories", "name"),
                ("data_categories", "iban"),
                ("person_groups", "employees"),
                ("people_min", "120"),
                ("people_max", "140"),
                ("measures", "Post teruggehaald."),
                ("contact_phone", "020 123 4567"),
                ("language", "nl"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    assert!(
        loc.starts_with("/verwerker/meldingen/V-") && loc.ends_with("?ok=sent"),
        "{loc}"
    );
    let html = drukker.page(&loc).await;
    assert!(html.contains("Uw melding is verstuurd."));
    assert!(html.contains("Gemeente oost") && html.contains("Gemeente west"));
    assert!(html.contains("ontvangen"));
    assert!(html.contains("te laat gemeld") && html.contains("op tijd gemeld"));
    assert!(html.contains("120 tot 140"));
    assert!(!html.contains("[object"), "{html}");
    let notice_path = loc.split('?').next().unwrap().to_string();
    let reference = notice_path.rsplit('/').next().unwrap().to_string();
    let html = drukker.page("/verwerker").await;
    assert!(html.contains(&reference));

    // A supplement: empty is refused with the message; then added.
    let csrf = csrf_of(&drukker.page(&notice_path).await);
    let add = format!("{notice_path}/aanvullen");
    let (s, _, html) = drukker.post(&add, &[("csrf", &csrf), ("text", " ")]).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Schrijf wat u aan de melding toevoegt."),
        "{html}"
    );
    let (s, loc, _) = drukker
        .post(
            &add,
            &[("csrf", &csrf), ("text", "Ook de IBAN stond erop.")],
        )
        .await;
    assert_eq!(s, 303);
    let html = drukker.page(&loc).await;
    assert!(html.contains("Ook de IBAN stond erop."));
    // Without the form's token nothing happens.
    let (s, _, _) = drukker.post(&add, &[("csrf", "fout"), ("text", "x")]).await;
    assert_eq!(s, 403);

    // Oost's handler: the report in the inbox with the processor's name and the late flag.
    let html = oost.page("/staff/inbox").await;
    assert!(html.contains("Gemeente drukker"), "{html}");
    assert!(html.contains("te laat gemeld"), "{html}");
    let r: serde_json::Value = {
        let start = html.find("/staff/reports/M-").unwrap() + "/staff/reports/".len();
        json!(html[start..].split('"').next().unwrap())
    };
    let report = r.as_str().unwrap().to_string();
    let html = oost.page(&format!("/staff/reports/{report}")).await;
    for m in [
        "Melding van de verwerker",
        "te laat gemeld",
        "meldt@drukker.example.nl",
        "020 123 4567",
        "Ook de IBAN stond erop.",
        "Gemeente west",
        &reference,
    ] {
        assert!(html.contains(m), "{m} missing on the report page");
    }
    // West's handler: in time; oost's report is not theirs.
    let west = Browser::sign_in(&app, "behandelaar@west.example.nl").await;
    let html = west.page("/staff/inbox").await;
    assert!(html.contains("Gemeente drukker") && !html.contains("te laat gemeld"));
    let (s, _, _) = west.get(&format!("/staff/reports/{report}")).await;
    assert_eq!(s, 404);
    // The processor sees none of the reports.
    let (s, _, _) = drukker.get(&format!("/staff/reports/{report}")).await;
    assert_eq!(s, 404);
    let html = drukker.page("/staff/inbox").await;
    assert!(!html.contains(&report));
    // Another processor's account (none here) and other people: the notice is not theirs.
    let (s, _, _) = oost.get(&notice_path).await;
    assert_eq!(s, 403);

    // Oost makes an incident of it: the processor's facts are on the incident.
    let html = oost
        .page(&format!("/staff/incidents/new?reports={report}"))
        .await;
    let csrf = csrf_of(&html);
    let aware = {
        let at = "name=\"became_aware_at\" value=\"";
        let i = html.find(at).unwrap() + at.len();
        html[i..].split('"').next().unwrap().to_string()
    };
    let (s, loc, body) = oost
        .post(
            "/staff/incidents/new",
            &[
                ("csrf", &csrf),
                ("organisation", "oost"),
                ("title", "Loonstroken bij de drukker"),
                ("became_aware_at", &aware),
                ("awareness_how", "De verwerker meldde het in Meldpunt."),
                ("confirm_awareness", "1"),
                ("reports", &report),
            ],
        )
        .await;
    assert_eq!(s, 303, "{body}");
    let html = oost.page(&loc).await;
    assert!(
        html.contains("Gemeente drukker"),
        "processor name on the incident"
    );
    let html = drukker.page(&notice_path).await;
    assert!(html.contains("in behandeling als incident"));
    assert!(!html.contains("Loonstroken bij de drukker"));

    // The administrator removes the link to west.
    let html = beheer.page("/staff/admin/processors").await;
    let csrf = csrf_of(&html);
    let n = html.matches("/remove\"").count();
    assert_eq!(
        n, 2,
        "both links removable by the installation administrator"
    );
    let at = html.find("/staff/admin/processors/").unwrap();
    let action: String = html[at..].split('"').next().unwrap().to_string();
    let (s, loc, _) = beheer.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(
        (s, loc.as_str()),
        (303, "/staff/admin/processors?ok=unlinked")
    );
    let (s, _, _) = beheer.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(s, 404);
}
both!(processor_walk);

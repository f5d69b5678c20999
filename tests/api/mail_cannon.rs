//! Issue 17, point 2: no mail cannon. The acknowledgement carries nothing the reporter typed, an
//! address gets at most one per period, all of them together at most a budget per hour, and what is
//! held back is counted and shown to staff (API and inbox). The reports themselves are always kept.
use meldpunt::auth::Role;
use reqwest::multipart::Form;
use serde_json::Value;

use crate::helpers::{spawn_app_with, Db, TestApp};
use crate::staff_pages::sign_in;

fn csrf_of(html: &str) -> String {
    let i =
        html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_string()
}

/// Report through the public form with a contact name and address; returns the reference.
async fn report_by_form(app: &TestApp, name: &str, email: &str) -> String {
    let form = app
        .client
        .get(app.url("/melden"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let f = Form::new()
        .text("csrf", csrf_of(&form))
        .text("description", "Ik kreeg een brief die niet voor mij was")
        .text("organisation", "oost")
        .text("contact_name", name.to_string())
        .text("contact_email", email.to_string())
        .text("may_contact", "yes");
    let r = app
        .client
        .post(app.url("/melden"))
        .multipart(f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    html.split("class=\"reference\">")
        .nth(1)
        .expect("reference shown")
        .split('<')
        .next()
        .unwrap()
        .to_string()
}

async fn counts(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/acknowledgements", Some(token)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Outbox rows of acknowledgements (sent or still queued).
fn acks_queued(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use meldpunt::db::schema::outbox;
    outbox::table
        .filter(outbox::kind.eq("report_received"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn one_acknowledgement_per_address_without_typed_text(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // Not signed in: the counts are for staff only.
    let r = app.get("/api/v1/acknowledgements", None).await;
    assert_eq!(r.status(), 401);

    let spam = "Win 1000 euro op prijs-evil.example";
    let first = report_by_form(&app, spam, "victim@example.nl").await;
    let mails = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "victim@example.nl"))
        .await;
    let ack = mails
        .iter()
        .find(|m| m.to == "victim@example.nl")
        .expect("one acknowledgement");
    assert!(ack.subject.contains(&first));
    assert!(
        !ack.body_text.contains("prijs-evil") && !ack.body_text.contains("Win 1000"),
        "the reporter's text is not in the acknowledgement: {}",
        ack.body_text
    );
    assert!(
        ack.body_text.starts_with("Beste melder,"),
        "{}",
        ack.body_text
    );

    // The same address again (in another case), and a third time: reports kept, no acknowledgement.
    let second = report_by_form(&app, spam, "Victim@Example.nl").await;
    let third = report_by_form(&app, spam, "victim@example.nl").await;
    assert!(second != first && third != second);
    let mut c = app.conn();
    for r in [&second, &third] {
        assert!(meldpunt::reports::store::by_reference(&mut c, r)
            .unwrap()
            .is_some());
    }
    assert_eq!(acks_queued(&app), 1, "one acknowledgement for one address");
    // Another address still gets one.
    report_by_form(&app, "", "other@example.nl").await;
    assert_eq!(acks_queued(&app), 2);

    let v = counts(&app, &h.token).await;
    assert_eq!(v["last_24_hours"]["sent"], 2, "{v}");
    assert_eq!(v["last_24_hours"]["held_same_address"], 2, "{v}");
    assert_eq!(v["last_24_hours"]["held_over_budget"], 0, "{v}");
    assert_eq!(v["per_address_minutes"], 60, "{v}");

    // A line on the inbox page.
    sign_in(&app, "h@oost.nl").await;
    let html = app
        .client
        .get(app.url("/staff/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ontvangstbevestigingen tegengehouden in de afgelopen 24 uur: 2"),
        "{html}"
    );
}

async fn the_hourly_budget_holds_back_the_rest(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    for i in 0..5 {
        report_by_form(&app, "", &format!("p{i}@example.nl")).await;
    }
    assert_eq!(acks_queued(&app), 3, "the budget of 3 an hour");
    let v = counts(&app, &h.token).await;
    assert_eq!(v["last_24_hours"]["sent"], 3, "{v}");
    assert_eq!(v["last_24_hours"]["held_over_budget"], 2, "{v}");
    assert_eq!(v["last_30_days"]["held_over_budget"], 2, "{v}");
    sign_in(&app, "h@oost.nl").await;
    let html = app
        .client
        .get(app.url("/staff/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("het maximum per uur was bereikt: 2"),
        "{html}"
    );
}

mod one_acknowledgement_per_address_without_typed_text {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_app_with(Db::Sqlite, |_| {}).await.unwrap();
        super::one_acknowledgement_per_address_without_typed_text(app).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = spawn_app_with(Db::Postgres, |_| {}).await {
            super::one_acknowledgement_per_address_without_typed_text(app).await
        }
    }
}

mod the_hourly_budget_holds_back_the_rest {
    use super::*;
    fn tweak(s: &mut meldpunt::config::Settings) {
        s.limits.acks_per_hour = 3;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_app_with(Db::Sqlite, tweak).await.unwrap();
        super::the_hourly_budget_holds_back_the_rest(app).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = spawn_app_with(Db::Postgres, tweak).await {
            super::the_hourly_budget_holds_back_the_rest(app).await
        }
    }
}

//! Prometheus metrics (issue 18, point 5): where they are served, who may read them, and that the
//! figures from the database and the route labels are right.
use std::net::TcpListener;

use meldpunt::auth::Role;
use meldpunt::startup::Application;
use serde_json::json;

use crate::both;
use crate::helpers::*;

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

const TOKEN: &str = "metriek-token-4f9a1c";

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn metrics_on_their_own_address_and_behind_a_token(kind: Db) {
    let Some(db) = TestDb::new(kind) else {
        return;
    };
    let mut settings = test_settings(&db.url);
    settings.metrics.token = TOKEN.into();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = Application::build_with_listeners(settings, listener, Some(metrics_listener))
        .await
        .unwrap();
    let (port, mport) = (app.port(), app.metrics_port().unwrap());
    let state = app.state.clone();
    let sent = app.mailer.memory();
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        addr: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        state,
        sent,
        db,
    };
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // One incident aware 60 hours ago (12 hours left), one 70 hours ago (2 left), one 80 (overdue),
    // one just now (72 left).
    let mut ids = vec![];
    for hours in [60, 70, 80, 0] {
        let inc = app.open_incident(&h, "oost", hours).await;
        ids.push(inc["id"].as_str().unwrap().to_string());
    }
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();
    let r = app
        .post(
            &format!("/api/v1/incidents/{}/measures", ids[0]),
            Some(&h.token),
            json!({"description": "Adresbestand", "due_on": yesterday}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{}", ids[1]), Some(&h.token))
            .await
            .status(),
        200
    );

    // Behind the token on the main address.
    let m = |token: Option<&str>| {
        let mut r = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(m(None).await.unwrap().status(), 401);
    assert_eq!(m(Some("metriek-token")).await.unwrap().status(), 401);
    let r = m(Some(TOKEN)).await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    // The same on the separate address, without a token.
    let own = reqwest::get(format!("http://127.0.0.1:{mport}/metrics"))
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let own = own.text().await.unwrap();
    // Nothing else is served there.
    assert_eq!(
        reqwest::get(format!("http://127.0.0.1:{mport}/api/v1/register"))
            .await
            .unwrap()
            .status(),
        404
    );
    for body in [&body, &own] {
        for (band, n) in [
            ("over_24h", 1.0),
            ("under_24h", 1.0),
            ("under_6h", 1.0),
            ("overdue", 1.0),
        ] {
            assert_eq!(
                sample(
                    body,
                    &format!("meldpunt_incidents_clock{{band=\"{band}\"}}")
                ),
                Some(n),
                "{band}: {body}"
            );
        }
        assert_eq!(
            sample(body, "meldpunt_measures_open_overdue"),
            Some(1.0),
            "{body}"
        );
        assert_eq!(
            sample(body, "meldpunt_mailbox_quarantine_messages"),
            Some(0.0)
        );
        assert!(
            sample(body, "meldpunt_outbox_messages{state=\"failed\"}").is_some(),
            "{body}"
        );
        assert!(sample(body, "meldpunt_outbox_oldest_queued_age_seconds").is_some());
        // Durations by route pattern; no incident id anywhere.
        assert!(
            body.contains("meldpunt_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/incidents/{id}\",status=\"2xx\""),
            "{body}"
        );
        for id in &ids {
            assert!(!body.contains(id.as_str()), "an incident id in the metrics");
        }
        assert!(!body.contains("h@oost.nl"));
    }
}
on_both!(metrics_on_their_own_address_and_behind_a_token);

/// Without a token or an address configured there are no metrics.
async fn no_metrics_unless_configured(app: TestApp) {
    assert_eq!(app.get("/metrics", None).await.status(), 404);
    assert_eq!(app.get("/metrics", Some("iets")).await.status(), 404);
}
both!(no_metrics_unless_configured);

/// Deliveries are counted: sent, put back for a retry, failed for good.
#[test]
fn deliveries_are_counted_by_kind() {
    use meldpunt::monitoring::{handle, outbox_delivery, Delivery};
    let h = handle();
    let before = |name: &str| {
        sample(&h.render(), &format!("{name}{{kind=\"metrics_test\"}}")).unwrap_or(0.0)
    };
    let (s, r, f) = (
        before("meldpunt_outbox_sent_total"),
        before("meldpunt_outbox_retried_total"),
        before("meldpunt_outbox_failed_total"),
    );
    outbox_delivery("metrics_test", Delivery::Sent);
    outbox_delivery("metrics_test", Delivery::Sent);
    outbox_delivery("metrics_test", Delivery::Retried);
    outbox_delivery("metrics_test", Delivery::Failed);
    assert_eq!(before("meldpunt_outbox_sent_total"), s + 2.0);
    assert_eq!(before("meldpunt_outbox_retried_total"), r + 1.0);
    assert_eq!(before("meldpunt_outbox_failed_total"), f + 1.0);
}

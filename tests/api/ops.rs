use serde_json::Value;

use crate::both;
use crate::helpers::{assert_problem, TestApp};

async fn health_readiness_and_openapi(app: TestApp) {
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    let r: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(r["status"], "ready");
    assert_eq!(r["migrations"], "current");
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/reports",
        "/api/v1/incidents",
        "/api/v1/incidents/{id}/transitions",
        "/api/v1/incidents/{id}/audit",
        "/api/v1/auth/login",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    assert_problem(app.get("/api/v1/bestaat-niet", None).await, 404, None).await;
}
both!(health_readiness_and_openapi);

async fn audit_chain_verifies_and_finds_tampering(app: TestApp) {
    use diesel::connection::SimpleConnection;
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", meldpunt::auth::Role::Handler)]);
    for _ in 0..3 {
        app.open_incident(&h, "oost", 1).await;
    }
    let mut c = app.conn();
    let ok = meldpunt::audit::store::verify(&mut c).unwrap();
    assert!(ok.broken.is_none());
    assert_eq!(ok.checked, 3);
    c.batch_execute("UPDATE audit_log SET after_json = '{\"title\":\"vervalst\"}' WHERE seq = 2")
        .unwrap();
    let bad = meldpunt::audit::store::verify(&mut c).unwrap();
    assert_eq!(bad.checked, 1);
    assert_eq!(
        bad.broken.unwrap().to_string(),
        "record 2: content does not match its hash"
    );
}
both!(audit_chain_verifies_and_finds_tampering);

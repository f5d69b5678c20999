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
    // On PostgreSQL only around the append-only triggers (the retention path).
    let bypass = match app.state.backend {
        meldpunt::db::Backend::Postgres => "SET meldpunt.audit_retention = 'on'; ",
        meldpunt::db::Backend::Sqlite => "",
    };
    c.batch_execute(&format!(
        "{bypass}UPDATE audit_log SET after_json = '{{\"title\":\"vervalst\"}}' WHERE seq = 2"
    ))
    .unwrap();
    let bad = meldpunt::audit::store::verify(&mut c).unwrap();
    assert_eq!(bad.checked, 1);
    assert_eq!(
        bad.broken.unwrap().to_string(),
        "record 2: content does not match its hash (changed, or written with another key)"
    );
}
both!(audit_chain_verifies_and_finds_tampering);

/// The two migration sets describe one schema: the same tables, columns and nullability.
#[test]
fn sqlite_and_postgres_migrations_give_the_same_schema() {
    use crate::helpers::{Db, TestDb};
    use diesel::prelude::*;
    use std::collections::BTreeSet;

    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        c: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        nullable: i32,
    }

    let Some(pg) = TestDb::new(Db::Postgres) else {
        return;
    };
    let lite = TestDb::new(Db::Sqlite).unwrap();
    let mut pc = pg.conn();
    let mut sc = lite.conn();
    meldpunt::db::run_migrations(&mut pc).unwrap();
    meldpunt::db::run_migrations(&mut sc).unwrap();
    let pg_cols: Vec<Col> = match &mut pc {
        meldpunt::db::DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS t, column_name::text AS c, \
             CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations'",
        )
        .load(c)
        .unwrap(),
        _ => unreachable!(),
    };
    let lite_cols: Vec<Col> = match &mut sc {
        meldpunt::db::DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS t, p.name AS c, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name <> '__diesel_schema_migrations' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(c)
        .unwrap(),
        _ => unreachable!(),
    };
    let set = |v: Vec<Col>| {
        v.into_iter()
            .map(|c| (c.t, c.c, c.nullable))
            .collect::<BTreeSet<_>>()
    };
    let (p, s) = (set(pg_cols), set(lite_cols));
    assert!(p.len() > 100, "{} columns", p.len());
    let only_pg: Vec<_> = p.difference(&s).collect();
    let only_lite: Vec<_> = s.difference(&p).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "only in PostgreSQL: {only_pg:?}; only in SQLite: {only_lite:?}"
    );
}

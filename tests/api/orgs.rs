use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp, PASSWORD};

async fn installation_admin_manages_organisations(app: TestApp) {
    let admin = app.create_user_full("admin@meldpunt.nl", &[], true);
    let body = json!({"slug": "gemeente-oost", "name": "Gemeente Oost", "kvk_number": "12345678",
        "address": "Raadhuisplein 1, Oost", "fg_name": "F. Gerritsen", "fg_email": "fg@oost.nl",
        "fg_phone": "010-1234567", "fg_registration_number": "FG001234", "processor_hours": 48});
    let r = app
        .post("/api/v1/organisations", Some(&admin.token), body.clone())
        .await;
    assert_eq!(r.status(), 201);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["processor_hours"], 48);
    assert_eq!(o["fg_registration_number"], "FG001234");
    assert_problem(
        app.post("/api/v1/organisations", Some(&admin.token), body)
            .await,
        422,
        Some("slug"),
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/organisations",
            Some(&admin.token),
            json!({"slug": "Hoofd Letters", "name": "x"}),
        )
        .await,
        422,
        Some("slug"),
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/organisations",
            Some(&admin.token),
            json!({"slug": "x", "name": "x", "kvk_number": "12"}),
        )
        .await,
        422,
        Some("kvk_number"),
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/organisations",
            Some(&admin.token),
            json!({"slug": "y", "name": "y", "fg_email": "geen"}),
        )
        .await,
        422,
        Some("fg_email"),
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/organisations",
            Some(&admin.token),
            json!({"name": "zonder slug"}),
        )
        .await,
        422,
        Some("slug"),
    )
    .await;

    // Users and roles.
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin.token),
            json!({"email": "h@oost.nl", "display_name": "Handler", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_problem(
        app.post(
            "/api/v1/users",
            Some(&admin.token),
            json!({"email": "h@oost.nl", "display_name": "Dubbel", "password": PASSWORD}),
        )
        .await,
        422,
        Some("email"),
    )
    .await;
    let r = app
        .post(
            "/api/v1/organisations/gemeente-oost/members",
            Some(&admin.token),
            json!({"email": "h@oost.nl", "role": "handler"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_problem(
        app.post(
            "/api/v1/organisations/gemeente-oost/members",
            Some(&admin.token),
            json!({"email": "h@oost.nl", "role": "baas"}),
        )
        .await,
        422,
        Some("role"),
    )
    .await;
    let m: Value = app
        .get(
            "/api/v1/organisations/gemeente-oost/members",
            Some(&admin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m[0]["role"], "handler");
    // The new handler can sign in and sees the organisation.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let orgs: Value = app
        .get("/api/v1/organisations", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
}
both!(installation_admin_manages_organisations);

async fn organisation_roles_are_enforced(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let a = app.create_user("a@oost.nl", &[("oost", Role::Admin)]);
    let w = app.create_user("a@west.nl", &[("west", Role::Admin)]);
    // Only installation admins create organisations (the service says why, by a code).
    let p = assert_problem(
        app.post(
            "/api/v1/organisations",
            Some(&a.token),
            json!({"slug": "noord", "name": "Noord"}),
        )
        .await,
        403,
        None,
    )
    .await;
    assert_eq!(p["code"], "installation_admins_only");
    // A handler cannot change settings; the organisation's admin can.
    assert_problem(
        app.patch(
            "/api/v1/organisations/oost",
            Some(&h.token),
            json!({"name": "Anders"}),
        )
        .await,
        403,
        None,
    )
    .await;
    let r = app
        .patch(
            "/api/v1/organisations/oost",
            Some(&a.token),
            json!({"name": "Gemeente Oost-Zuid", "processor_hours": 36}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Another organisation's admin does not see it at all.
    assert_problem(
        app.patch(
            "/api/v1/organisations/oost",
            Some(&w.token),
            json!({"name": "Overname"}),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/organisations/oost", Some(&w.token)).await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/organisations/oost/members", Some(&w.token))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/organisations/oost/members", Some(&h.token))
            .await,
        403,
        None,
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/organisations/oost/members",
            Some(&h.token),
            json!({"email": "a@west.nl", "role": "fg"}),
        )
        .await,
        403,
        None,
    )
    .await;
    // Organisation admins may create users but not installation admins.
    assert_problem(
        app.post(
            "/api/v1/users",
            Some(&h.token),
            json!({"email": "x@oost.nl", "display_name": "X", "password": PASSWORD}),
        )
        .await,
        403,
        None,
    )
    .await;
    assert_problem(app.post("/api/v1/users", Some(&a.token), json!({"email": "x@oost.nl", "display_name": "X", "password": PASSWORD, "is_admin": true})).await, 403, None).await;
    assert_eq!(
        app.post(
            "/api/v1/users",
            Some(&a.token),
            json!({"email": "x@oost.nl", "display_name": "X", "password": PASSWORD})
        )
        .await
        .status(),
        201
    );
    // The settings change is in the trail.
    let mut c = app.conn();
    let org = meldpunt::orgs::store::by_slug(&mut c, "oost")
        .unwrap()
        .unwrap();
    let trail = meldpunt::audit::store::for_entity(&mut c, "organisation", &org.id).unwrap();
    let upd = trail
        .iter()
        .find(|r| r.action == "organisation.updated")
        .unwrap();
    assert!(upd.before_json.as_ref().unwrap().contains("Gemeente oost"));
    assert!(upd
        .after_json
        .as_ref()
        .unwrap()
        .contains("Gemeente Oost-Zuid"));
}
both!(organisation_roles_are_enforced);

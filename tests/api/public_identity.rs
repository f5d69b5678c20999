//! Issue 16, point 9: public pages say who we are (the organisations served and their links), and
//! every error outside `/api` is a page in the person's language.
use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::TestApp;

async fn public_pages_name_the_organisations_and_their_links(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    let r = app
        .put(
            "/api/v1/organisations/oost/notice-settings",
            Some(&admin.token),
            json!({"privacy_url": "https://oost.example.nl/privacy",
                   "contact_url": "https://oost.example.nl/contact",
                   "accessibility_url": "https://oost.example.nl/toegankelijkheid"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.state.forget_org_directory();
    for path in ["/", "/melden"] {
        let html = app
            .client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Dit meldpunt is van"), "{path}");
        assert!(
            html.contains("Gemeente oost") && html.contains("Gemeente west"),
            "{path}"
        );
        assert!(html.contains("href=\"https://oost.example.nl/privacy\">Privacyverklaring"));
        assert!(html.contains(
            "href=\"https://oost.example.nl/toegankelijkheid\">Toegankelijkheidsverklaring"
        ));
        assert!(html.contains("href=\"https://oost.example.nl/contact\">Contact"));
    }
    // Staff pages do not repeat it.
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    crate::staff_pages::sign_in(&app, "h@oost.nl").await;
    let html = crate::staff_pages::get_ok(&app, "/staff/incidents").await;
    assert!(!html.contains("Dit meldpunt is van"));
}
both!(public_pages_name_the_organisations_and_their_links);

async fn errors_outside_the_api_are_pages(app: TestApp) {
    let c = &app.client;
    // A mistyped address: a page with a title and the language, Dutch first.
    let r = c.get(app.url("/meldenn")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"nl\">") && html.contains("<title>Pagina niet gevonden"),
        "{html}"
    );
    assert!(html.contains("<main"));
    let r = c
        .get(app.url("/staff/bestaat-niet"))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Page not found"),
        "{html}"
    );
    // A method the address does not take: 405 with Allow, as a page.
    let r = c.delete(app.url("/melden")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let html = r.text().await.unwrap();
    assert!(html.contains("Dit kan hier niet"), "{html}");
    // The API keeps problem+json; the health checks keep theirs.
    let r = c.get(app.url("/api/v1/bestaat-niet")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/problem+json"));
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
both!(errors_outside_the_api_are_pages);

async fn programs_keep_problem_json(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .get(
            "/staff/incidents/bestaat-niet/notifications/x/pdf",
            Some(&h.token),
        )
        .await;
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 404, "{body}");
    assert!(ct.starts_with("application/problem+json"), "{ct}: {body}");
}
both!(programs_keep_problem_json);

//! The page to import an existing breach register (issue 19 point 1), as a browser without
//! JavaScript uses it: upload, the proposed mapping per column, the dry run, a changed mapping,
//! the import of exactly what was previewed; the denials; errors in Dutch and English.
use meldpunt::auth::Role;
use serde_json::Value;

use crate::both;
use crate::helpers::TestApp;
use crate::staff_pages::{csrf_of, get, get_ok, hidden, location, sign_in};

const PAGE: &str = "/staff/register/import";

/// An old register with headers nobody proposes: `Wat` must be chosen as the title by hand.
const OLD: &str = "Wat;Datum bewustwording;Datum afgesloten;Besluit;Motivering;Opmerking\n\
Brief naar verkeerd adres;02-02-2025 10:00;01-03-2025;alleen registreren in het register van datalekken;Geen risico;intern\n\
Mail met open cc;10-03-2025 14:30;20-03-2025;alleen registreren in het register van datalekken;Alleen e-mailadressen;\n";

async fn send(app: &TestApp, form: reqwest::multipart::Form, lang: &str) -> reqwest::Response {
    app.client
        .post(app.url(PAGE))
        .header("accept-language", lang)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn upload(csrf: &str, org: &str, bytes: &[u8], name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("org", org.to_string())
        .text("action", "preview")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

/// The preview's form sent back: the carried file, its digest and the mapping shown, with the
/// columns' choices as given.
fn again(html: &str, action: &str, cols: &[(usize, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(html))
        .text("org", hidden(html, "org"))
        .text("data", unescape(&hidden(html, "data")))
        .text("sha256", hidden(html, "sha256"))
        .text("previewed", unescape(&hidden(html, "previewed")))
        .text("action", action.to_string());
    for (i, v) in cols {
        f = f.text(format!("col-{i}"), v.to_string());
    }
    f
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x3D;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn register_rows(app: &TestApp, org_id: &str, token: &str) -> Vec<Value> {
    let v: Value = app
        .get(
            &format!("/api/v1/register?organisation={org_id}"),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    v.as_array().unwrap().clone()
}

/// The columns of the file in order, as the mapping table shows them: the chosen field's value.
fn chosen(html: &str, i: usize) -> String {
    let at = format!("name=\"col-{i}\"");
    let s = &html[html.find(&at).expect("column select")..];
    let s = &s[..s.find("</select>").unwrap()];
    let opt = s.find(" selected>").map(|j| &s[..j]).unwrap_or("");
    let k = opt.rfind("value=\"").map(|k| k + 7).unwrap_or(opt.len());
    opt[k..].split('"').next().unwrap_or("").to_string()
}

async fn register_import_page_preview_mapping_and_import(app: TestApp) {
    let oost = app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;

    // Linked from the register page.
    let reg = get_ok(&app, "/staff/register").await;
    assert!(reg.contains("href=\"/staff/register/import\""), "{reg}");
    let html = get_ok(&app, PAGE).await;
    assert!(html.contains("Bestaand register van datalekken inlezen"));
    let csrf = csrf_of(&html);

    // No file: the form again with the message, no 500.
    let r = send(
        &app,
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("org", "oost"),
        "nl",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Kies een bestand."));
    // Not a spreadsheet at all: named, in Dutch, no 500.
    let r = send(
        &app,
        upload(&csrf, "oost", b"PK\x03\x04kapot", "x.xlsx"),
        "nl",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Het Excel-bestand is onleesbaar"));

    // The upload: the mapping proposed per column; `Wat` is not known, so the title is missing
    // and the problems say so in Dutch. Nothing is stored.
    let r = send(&app, upload(&csrf, "oost", OLD.as_bytes(), "oud.csv"), "nl").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert_eq!(chosen(&html, 0), "");
    assert_eq!(chosen(&html, 1), "became_aware_at");
    assert_eq!(chosen(&html, 3), "decision");
    assert_eq!(chosen(&html, 5), "");
    assert!(
        html.contains("Regel 1, Titel: kies de kolom voor dit veld"),
        "{html}"
    );
    assert!(!html.contains("name=\"action\" value=\"import\""));
    assert!(register_rows(&app, &oost, &h.token).await.is_empty());

    // Choosing `Wat` as the title (and the same field twice is refused by column).
    let keep = [
        (1, "became_aware_at"),
        (2, "closed_at"),
        (3, "decision"),
        (4, "decision_reasons"),
    ];
    let mut twice = keep.to_vec();
    twice.push((0, "title"));
    twice.push((5, "title"));
    let r = send(&app, again(&html, "preview", &twice), "nl").await;
    assert_eq!(r.status(), 422);
    let t = r.text().await.unwrap();
    assert!(
        t.contains("‘Titel’ is al gekozen bij een andere kolom"),
        "{t}"
    );
    let mut cols = keep.to_vec();
    cols.push((0, "title"));
    let r = send(&app, again(&html, "preview", &cols), "nl").await;
    let status = r.status();
    let preview = r.text().await.unwrap();
    assert_eq!(status, 200, "{preview}");
    assert_eq!(chosen(&preview, 0), "title");
    assert!(
        preview.contains("2 datalekken worden ingelezen."),
        "{preview}"
    );
    assert!(preview.contains("Brief naar verkeerd adres"));
    assert!(preview.contains("Mail met open cc"));
    // 10:00 Dutch time as the page shows times; the state from the closing date.
    assert!(preview.contains("02-02-2025 10:00 (CET)"), "{preview}");
    assert!(preview.contains("gesloten"));
    assert!(preview.contains("name=\"action\" value=\"import\""));
    assert!(register_rows(&app, &oost, &h.token).await.is_empty());

    // The file carried with a digest that does not match is refused; nothing stored.
    let data = unescape(&hidden(&preview, "data"));
    let forged = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&preview))
        .text("org", "oost")
        .text("data", data)
        .text("sha256", "0".repeat(64))
        .text("previewed", unescape(&hidden(&preview, "previewed")))
        .text("action", "import")
        .text("col-0", "title");
    let r = send(&app, forged, "nl").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Het bestand is onderweg veranderd"));

    // "Importeren" with a mapping other than the one previewed: the new preview, not stored.
    let mut other = cols.clone();
    other.push((5, "lessons_learned"));
    let r = send(&app, again(&preview, "import", &other), "nl").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("U heeft de koppeling veranderd"), "{html}");
    assert!(register_rows(&app, &oost, &h.token).await.is_empty());

    // "Importeren" on what was previewed: stored, back to the register with the count.
    let r = send(&app, again(&html, "import", &other), "nl").await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(
        to.starts_with("/staff/register?org=oost&ok=register_imported"),
        "{to}"
    );
    let reg = get_ok(&app, &to).await;
    assert!(
        reg.contains("Het register is ingelezen: 2 datalekken toegevoegd."),
        "{reg}"
    );
    let rows = register_rows(&app, &oost, &h.token).await;
    assert_eq!(rows.len(), 2);
    let letter = rows
        .iter()
        .find(|e| e["title"] == "Brief naar verkeerd adres")
        .unwrap();
    assert_eq!(letter["became_aware_at"], "2025-02-02T09:00:00Z");
    assert_eq!(letter["state"], "closed");
    assert_eq!(letter["decision"], "register_only");
    assert_eq!(letter["lessons_learned"], "intern");

    // The same file again: the message at the file, nothing more stored.
    let r = send(&app, again(&html, "import", &other), "nl").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Dit bestand is al eerder ingelezen bij deze organisatie."));
    assert_eq!(register_rows(&app, &oost, &h.token).await.len(), 2);
}
both!(register_import_page_preview_mapping_and_import);

async fn register_import_page_xlsx_in_english(app: TestApp) {
    use meldpunt::tabular::{xlsx, Cell, Sheet};
    let oost = app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Admin)]);
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, PAGE).await;
    let csrf = csrf_of(&html);
    let aware = chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
    let bytes = xlsx(&Sheet {
        name: "Register",
        columns: &[
            ("Titel", 20.0),
            ("Datum bewustwording", 12.0),
            ("Datum afgesloten", 12.0),
        ],
        rows: vec![
            vec![
                Cell::from("Laptop gestolen"),
                Cell::Date(aware),
                Cell::from("gisteren"),
            ],
            vec![Cell::from("Goed"), Cell::Date(aware), Cell::Empty],
        ],
    })
    .unwrap();
    // The bad row by Excel's row number and the field's English name; nothing to import.
    let r = send(&app, upload(&csrf, "oost", &bytes, "register.xlsx"), "en").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    // The English message as the API gives it (backticks escaped in HTML).
    assert!(
        html.contains("Line 2, Closed on: &#x60;gisteren&#x60; is not a date"),
        "{html}"
    );
    assert!(!html.contains("name=\"action\" value=\"import\""));
    assert!(register_rows(&app, &oost, &h.token).await.is_empty());
}
both!(register_import_page_xlsx_in_english);

async fn register_import_page_denials(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("h@west.nl", &[("west", Role::Handler)]);
    app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);

    // No session: to the login page, for the form and the post.
    let r = app.client.get(app.url(PAGE)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = get_ok(&app, "/staff/login").await;
    let csrf = csrf_of(&html);
    let r = send(&app, upload(&csrf, "oost", OLD.as_bytes(), "oud.csv"), "nl").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/staff/login"), "{}", location(&r));

    // Another organisation's handler: 404, as if it did not exist; nothing stored.
    sign_in(&app, "h@west.nl").await;
    let html = get_ok(&app, PAGE).await;
    assert!(!html.contains("value=\"oost\""));
    let csrf = csrf_of(&html);
    let r = send(&app, upload(&csrf, "oost", OLD.as_bytes(), "oud.csv"), "nl").await;
    assert_eq!(r.status(), 404);
    // Without the form's token: the "page expired" refusal, nothing read.
    let r = send(
        &app,
        upload("vals", "west", OLD.as_bytes(), "oud.csv"),
        "nl",
    )
    .await;
    assert_eq!(r.status(), 403);

    // The FG of the organisation sees its register but does not import it: no link, 403.
    let mut app = app;
    app.client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    sign_in(&app, "fg@oost.nl").await;
    let reg = get_ok(&app, "/staff/register").await;
    assert!(!reg.contains("href=\"/staff/register/import\""));
    let (status, _) = get(&app, PAGE).await;
    assert_eq!(status, 403);
    let r = send(
        &app,
        upload(&csrf_of(&reg), "oost", OLD.as_bytes(), "oud.csv"),
        "nl",
    )
    .await;
    assert_eq!(r.status(), 403);
}
both!(register_import_page_denials);

//! Import of an existing breach register (issue 19 point 1), over HTTP against a real database:
//! the denials, all-or-nothing with rows named by line and field, the dry run, the original dates,
//! the audit trail with the file's SHA-256, no e-mail for the past, and the export's round trip.
use meldpunt::auth::Role;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::both;
use crate::helpers::{assert_problem, TestApp};

/// An old register as organisations keep it in Excel: Dutch headers, `;`, Dutch dates.
const OLD: &str = "Titel;Datum ontdekking;Datum bewustwording;Datum melding AP;Meldnummer AP;Soort;Aantal betrokkenen;Besluit;Motivering;Maatregelen;Datum afgesloten\n\
Brief naar verkeerd adres;01-02-2025;02-02-2025 10:00;04-02-2025 09:00;M-2025-001;letter_wrong_recipient;12;notify_ap;Naam, adres en BSN bij een onbekende;Adres controleren [done, 2025-02-10];01-03-2025\n\
Mail met open cc;10-03-2025;10-03-2025 14:30;;;email_cc_not_bcc;100–500;register_only;Alleen e-mailadressen, geen risico;;20-03-2025\n";

fn import_path(slug: &str, query: &str) -> String {
    format!("/api/v1/organisations/{slug}/register/import{query}")
}

async fn post_csv(app: &TestApp, path: &str, token: Option<&str>, body: &str) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url(path))
        .header("content-type", "text/csv")
        .body(body.to_string());
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

async fn export_csv(app: &TestApp, org_id: &str, token: &str) -> String {
    let r = app
        .get(
            &format!("/api/v1/register?format=csv&organisation={org_id}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn register_import_denials_dry_run_and_bad_rows(app: TestApp) {
    let oost = app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let west = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let p = import_path("oost", "");

    // No token 401; another organisation's handler 404; the FG (no right to import) 403.
    assert_eq!(post_csv(&app, &p, None, OLD).await.status(), 401);
    assert_problem(post_csv(&app, &p, Some(&west.token), OLD).await, 404, None).await;
    assert_problem(post_csv(&app, &p, Some(&fg.token), OLD).await, 403, None).await;
    let r = app
        .client
        .post(app.url(&p))
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    // Every bad row by line and field; nothing imported.
    let bad = format!("{OLD}Zonder datum;;;;;;;;;;\nToekomst;;01-01-2099;;;meteor;veel;;;;\n");
    let body = assert_problem(
        post_csv(&app, &p, Some(&h.token), &bad).await,
        422,
        Some("became_aware_at"),
    )
    .await;
    let msgs: Vec<String> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}|{}",
                e["field"].as_str().unwrap(),
                e["detail"].as_str().or(e["message"].as_str()).unwrap_or("")
            )
        })
        .collect();
    let all = msgs.join("\n");
    assert!(all.contains("became_aware_at|line 4"), "{all}");
    assert!(all.contains("became_aware_at|line 5"), "{all}");
    assert!(all.contains("kind|line 5"), "{all}");
    assert!(all.contains("people|line 5"), "{all}");
    assert!(!all.contains("line 2") && !all.contains("line 3"), "{all}");
    assert_eq!(export_csv(&app, &oost, &h.token).await.lines().count(), 1);

    // A mapping naming a column the file does not have is refused by field.
    let q = format!("?mapping={}", urlenc(r#"{"closed_at":"Einde"}"#));
    assert_problem(
        post_csv(&app, &import_path("oost", &q), Some(&h.token), OLD).await,
        422,
        Some("mapping.closed_at"),
    )
    .await;

    // The dry run shows every row as it will be stored and stores nothing.
    let r = post_csv(
        &app,
        &import_path("oost", "?dry_run=true"),
        Some(&h.token),
        OLD,
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    assert_eq!(v["rows"][0]["state"], "closed");
    assert_eq!(v["rows"][0]["ap_number"], "M-2025-001");
    assert_eq!(v["rows"][0]["became_aware_at"], "2025-02-02T09:00:00Z");
    assert_eq!(v["mapping"]["became_aware_at"], "Datum bewustwording");
    assert!(v["references"].as_array().unwrap().is_empty());
    assert_eq!(export_csv(&app, &oost, &h.token).await.lines().count(), 1);

    // The import: closed incidents with their original dates, decision and measures.
    let r = post_csv(&app, &p, Some(&h.token), OLD).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let sha = hex::encode(Sha256::digest(OLD.as_bytes()));
    assert_eq!(v["source_sha256"], sha);
    assert_eq!(v["references"].as_array().unwrap().len(), 2);
    let reg: Value = app
        .get(
            &format!("/api/v1/register?organisation={oost}"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let reg = reg.as_array().unwrap();
    assert_eq!(reg.len(), 2);
    let letter = reg
        .iter()
        .find(|e| e["kind"] == "letter_wrong_recipient")
        .unwrap();
    assert_eq!(letter["state"], "closed");
    assert_eq!(letter["notified_at"], "2025-02-04T08:00:00Z");
    // A date alone is its midnight in Dutch time.
    assert_eq!(letter["closed_at"], "2025-02-28T23:00:00Z");
    // 72 hours counted from the original awareness: 47 hours, in time.
    assert_eq!(letter["timeliness"], "within");
    assert_eq!(letter["hours_to_notification"], 47.0);
    assert_eq!(letter["decision"], "notify_ap");
    assert_eq!(letter["measures"][0]["status"], "done");
    // The audit trail marks it imported with the file's SHA-256.
    let id = letter["incident_id"].as_str().unwrap();
    let trail: Value = app
        .get(&format!("/api/v1/incidents/{id}/audit"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let imported = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "incident.imported")
        .expect("incident.imported in the trail");
    assert_eq!(imported["after"]["source_sha256"], sha);
    assert_eq!(imported["after"]["source_line"], 2);

    // The same file again is refused.
    assert_problem(post_csv(&app, &p, Some(&h.token), OLD).await, 409, None).await;
}
both!(register_import_denials_dry_run_and_bad_rows);

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Drop the reference and organisation columns (they belong to the new organisation).
fn rows_without_identity(csv: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let skip: Vec<usize> = h
        .iter()
        .enumerate()
        .filter(|(_, n)| *n == "reference" || *n == "organisation")
        .map(|(i, _)| i)
        .collect();
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| {
            rec.unwrap()
                .iter()
                .enumerate()
                .filter(|(i, _)| !skip.contains(i))
                .map(|(_, v)| v.to_string())
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

async fn register_export_reimports_without_change(app: TestApp) {
    let oost = app.create_org("oost");
    let nieuw = app.create_org("nieuw");
    let h = app.create_user(
        "h@oost.nl",
        &[("oost", Role::Handler), ("nieuw", Role::Admin)],
    );
    // The register holds imported incidents and one opened here, still running.
    assert_eq!(
        post_csv(&app, &import_path("oost", ""), Some(&h.token), OLD)
            .await
            .status(),
        200
    );
    app.open_incident(&h, "oost", 5).await;
    let first = export_csv(&app, &oost, &h.token).await;
    assert_eq!(first.lines().count(), 4, "{first}");

    let r = post_csv(&app, &import_path("nieuw", ""), Some(&h.token), &first).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let second = export_csv(&app, &nieuw, &h.token).await;
    assert_eq!(
        rows_without_identity(&first),
        rows_without_identity(&second)
    );
}
both!(register_export_reimports_without_change);

async fn imported_incidents_get_no_clock_mail(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // Aware 60 hours ago, not notified, still open: a running clock, were it not imported.
    let aware = (chrono::Utc::now() - chrono::Duration::hours(60))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let csv = format!("title,became_aware_at,state\nOud lek,{aware},assessed\n");
    let r = post_csv(&app, &import_path("oost", ""), Some(&h.token), &csv).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let imported = v["references"][0].as_str().unwrap().to_string();
    let live = app.open_incident(&h, "oost", 60).await;
    let mails = app.wait_for_mail(|m| m.len() >= 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mails = if app.sent_mail().len() > mails.len() {
        app.sent_mail()
    } else {
        mails
    };
    assert!(mails
        .iter()
        .any(|m| m.subject.contains(live["reference"].as_str().unwrap())));
    assert!(
        mails.iter().all(|m| !m.subject.contains(&imported)),
        "{mails:?}"
    );
}
both!(imported_incidents_get_no_clock_mail);

async fn post_xlsx(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", meldpunt::tabular::XLSX_MIME)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("request")
}

async fn register_xlsx_export_reimports_without_change(app: TestApp) {
    let oost = app.create_org("oost");
    let nieuw = app.create_org("nieuw");
    let h = app.create_user(
        "h@oost.nl",
        &[("oost", Role::Handler), ("nieuw", Role::Admin)],
    );
    assert_eq!(
        post_csv(&app, &import_path("oost", ""), Some(&h.token), OLD)
            .await
            .status(),
        200
    );
    app.open_incident(&h, "oost", 5).await;
    let r = app
        .get(
            &format!("/api/v1/register?format=xlsx&organisation={oost}"),
            Some(&h.token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap().to_vec();
    assert!(meldpunt::tabular::is_xlsx(&xlsx));

    // The Excel export's Dutch headings and words map onto the fields without a mapping; the
    // dry run shows the rows with their dates read from Excel's date cells.
    let r = post_xlsx(
        &app,
        &import_path("nieuw", "?dry_run=true"),
        &h.token,
        xlsx.clone(),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["mapping"]["became_aware_at"], "Bekend geworden op");
    assert_eq!(v["mapping"]["measures"], "Maatregelen");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // Rows by Excel's row numbers: the heading is row 1.
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![2, 3, 4]);
    let letter = rows
        .iter()
        .find(|r| r["kind"] == "letter_wrong_recipient")
        .unwrap();
    assert_eq!(letter["became_aware_at"], "2025-02-02T09:00:00Z");
    assert_eq!(letter["measures"][0]["status"], "done");
    assert_eq!(export_csv(&app, &nieuw, &h.token).await.lines().count(), 1);

    let r = post_xlsx(&app, &import_path("nieuw", ""), &h.token, xlsx.clone()).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let first = export_csv(&app, &oost, &h.token).await;
    let second = export_csv(&app, &nieuw, &h.token).await;
    assert_eq!(
        rows_without_identity(&first),
        rows_without_identity(&second)
    );
    // The same workbook again is refused: it was imported before.
    assert_problem(
        post_xlsx(&app, &import_path("nieuw", ""), &h.token, xlsx).await,
        409,
        None,
    )
    .await;
}
both!(register_xlsx_export_reimports_without_change);

async fn register_xlsx_bad_rows_by_excel_row_and_all_or_nothing(app: TestApp) {
    use chrono::TimeZone;
    use meldpunt::tabular::{xlsx, Cell, Sheet};
    let oost = app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let west = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let aware = chrono::Utc.with_ymd_and_hms(2025, 6, 2, 8, 15, 0).unwrap();
    let closed = chrono::NaiveDate::from_ymd_opt(2025, 6, 20).unwrap();
    let sheet = |rows: Vec<Vec<Cell>>| {
        xlsx(&Sheet {
            name: "Oud register",
            columns: &[
                ("Titel", 30.0),
                ("Datum bewustwording", 18.0),
                ("Datum afgesloten", 18.0),
                ("Aantal betrokkenen", 10.0),
            ],
            rows,
        })
        .unwrap()
    };
    let good = vec![
        Cell::from("Usb-stick kwijt"),
        Cell::Instant(aware),
        Cell::Date(closed),
        Cell::Number(40.0),
    ];
    // Dates stored as dates: an instant keeps its time (Dutch clock), a date is its midnight.
    let ok = sheet(vec![good.clone()]);
    let r = post_xlsx(
        &app,
        &import_path("oost", "?dry_run=true"),
        &h.token,
        ok.clone(),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["rows"][0]["became_aware_at"], "2025-06-02T08:15:00Z");
    assert_eq!(v["rows"][0]["closed_at"], "2025-06-19T22:00:00Z");
    assert_eq!(v["rows"][0]["state"], "closed");
    assert_eq!(v["rows"][0]["people"], "40");
    // Another organisation's handler is not told the organisation exists.
    assert_problem(
        post_xlsx(&app, &import_path("oost", ""), &west.token, ok).await,
        404,
        None,
    )
    .await;

    // Row 3 has no title and a text date that is not one; row 5 (after an empty row) a closing
    // date before the awareness. Nothing is stored.
    let bad = sheet(vec![
        good.clone(),
        vec![
            Cell::Empty,
            Cell::from("gisteren"),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![],
        vec![
            Cell::from("Te vroeg gesloten"),
            Cell::Instant(aware),
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap()),
            Cell::Empty,
        ],
    ]);
    let body = assert_problem(
        post_xlsx(&app, &import_path("oost", ""), &h.token, bad).await,
        422,
        Some("title"),
    )
    .await;
    let all: Vec<String> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}|{}",
                e["field"].as_str().unwrap(),
                e["detail"].as_str().or(e["message"].as_str()).unwrap_or("")
            )
        })
        .collect();
    let all = all.join("\n");
    assert!(all.contains("title|line 3"), "{all}");
    assert!(
        all.contains("became_aware_at|line 3: `gisteren` is not a date"),
        "{all}"
    );
    assert!(all.contains("closed_at|line 5"), "{all}");
    assert!(!all.contains("line 2"), "{all}");
    assert_eq!(export_csv(&app, &oost, &h.token).await.lines().count(), 1);

    // A file that only looks like Excel is refused by name, not with a 500.
    assert_problem(
        post_xlsx(
            &app,
            &import_path("oost", ""),
            &h.token,
            b"PK\x03\x04 kapot".to_vec(),
        )
        .await,
        422,
        Some("file"),
    )
    .await;
}
both!(register_xlsx_bad_rows_by_excel_row_and_all_or_nothing);

/// `meldpunt register import` with an `.xlsx` file: the same checks, rows by Excel's row numbers.
async fn register_cli_imports_xlsx(app: TestApp) {
    use meldpunt::tabular::{xlsx, Cell, Sheet};
    let oost = app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let dir = tempfile::tempdir().unwrap();
    let sheet = |closed: Cell| Sheet {
        name: "Register",
        columns: &[
            ("Titel", 20.0),
            ("Datum bewustwording", 12.0),
            ("Datum afgesloten", 12.0),
        ],
        rows: vec![vec![
            Cell::from("Laptop gestolen"),
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()),
            closed,
        ]],
    };
    let run = |name: &str, s: Sheet, dry_run: bool| {
        let path = dir.path().join(name);
        std::fs::write(&path, xlsx(&s).unwrap()).unwrap();
        let mut out = vec![];
        let code = meldpunt::register::import_service::cli_import(
            &mut app.conn(),
            "oost",
            "h@oost.nl",
            None,
            &path,
            dry_run,
            &mut out,
        )
        .unwrap();
        (code, String::from_utf8(out).unwrap())
    };
    let (code, out) = run("fout.xlsx", sheet(Cell::from("gisteren")), false);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: closed_at: line 2: `gisteren` is not a date"),
        "{out}"
    );
    assert!(out.contains("nothing imported"), "{out}");
    let good = sheet(Cell::Date(
        chrono::NaiveDate::from_ymd_opt(2025, 4, 20).unwrap(),
    ));
    let (code, out) = run("goed.xlsx", good, true);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "line 2: (dry run) closed | Laptop gestolen | aware 2025-03-31T22:00:00+00:00"
        ),
        "{out}"
    );
    assert_eq!(export_csv(&app, &oost, &h.token).await.lines().count(), 1);
    let good = sheet(Cell::Date(
        chrono::NaiveDate::from_ymd_opt(2025, 4, 20).unwrap(),
    ));
    let (code, out) = run("goed.xlsx", good, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 row(s) imported"), "{out}");
    assert_eq!(export_csv(&app, &oost, &h.token).await.lines().count(), 2);
}
both!(register_cli_imports_xlsx);

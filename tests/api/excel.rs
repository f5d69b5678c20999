//! Excel exports and imports (issue 18, point 4): real files read back with calamine.
use calamine::{Data, DataType, Range, Reader};
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

/// The first sheet of an `.xlsx` file.
pub fn first_sheet(bytes: &[u8]) -> Range<Data> {
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx file");
    wb.worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable")
}

/// The column with this heading in row 0.
pub fn col(r: &Range<Data>, heading: &str) -> usize {
    (0..r.width())
        .find(|c| r.get((0, *c)) == Some(&Data::String(heading.into())))
        .unwrap_or_else(|| panic!("no column {heading}"))
}

pub async fn xlsx_ok(resp: reqwest::Response) -> Vec<u8> {
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        meldpunt::tabular::XLSX_MIME,
        "{:?}",
        resp.headers()
    );
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".xlsx\""));
    resp.bytes().await.unwrap().to_vec()
}

async fn post_bytes(
    app: &TestApp,
    path: &str,
    token: &str,
    ct: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn breach_register_as_excel(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let other = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 12).await;
    let id = inc["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/incidents/{id}/measures"),
        Some(&h.token),
        json!({"description": "Adresbestand nalopen", "due_on": "2030-01-31"}),
    )
    .await;
    let json: Value = app
        .get("/api/v1/register", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let bytes = xlsx_ok(
        app.get("/api/v1/register?format=xlsx", Some(&h.token))
            .await,
    )
    .await;
    let r = first_sheet(&bytes);
    assert_eq!(r.height(), 2, "the heading and one incident");
    assert_eq!(
        r.get((1, col(&r, "Kenmerk"))),
        Some(&Data::String(json[0]["reference"].as_str().unwrap().into()))
    );
    // Dates are date cells, on the Amsterdam clock.
    let aware = r.get((1, col(&r, "Bekend geworden op"))).unwrap();
    assert!(aware.is_datetime(), "{aware:?}");
    let expected =
        chrono::DateTime::parse_from_rfc3339(json[0]["became_aware_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .naive_local();
    let got = aware.as_datetime().unwrap();
    assert!(
        (got - expected).num_seconds().abs() <= 1,
        "{got} {expected}"
    );
    assert!(r
        .get((1, col(&r, "Uiterste meldtermijn AP")))
        .unwrap()
        .is_datetime());
    assert_eq!(
        r.get((1, col(&r, "Tijdigheid"))),
        Some(&Data::String("niet gemeld bij de AP".into()))
    );
    let m = r.get((1, col(&r, "Maatregelen"))).unwrap().to_string();
    assert!(
        m.contains("Adresbestand nalopen (open, uiterlijk 31-01-2030)"),
        "{m}"
    );
    // Another organisation's staff see none of it; without a session, nothing.
    let theirs = first_sheet(
        &xlsx_ok(
            app.get("/api/v1/register?format=xlsx", Some(&other.token))
                .await,
        )
        .await,
    );
    assert_eq!(theirs.height(), 1, "the heading only");
    assert_problem(
        app.get("/api/v1/register?format=xlsx", None).await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/register?format=ods", Some(&h.token)).await,
        422,
        Some("format"),
    )
    .await;
}
both!(breach_register_as_excel);

async fn processing_register_excel_round_trip(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let other = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let base = "/api/v1/organisations/oost/activities";
    let csv = "name,purposes,legal_basis,data_categories,special_categories,person_groups,recipients,processors,retention\n\
               Uitkeringen,Bijstand verlenen,legal_obligation,name;bsn;iban,health,customers,Belastingdienst,Inkomens BV,10 jaar\n";
    let r = post_bytes(
        &app,
        &format!("{base}/import"),
        &h.token,
        "text/csv",
        csv.into(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let bytes = xlsx_ok(
        app.get(&format!("{base}/export?format=xlsx"), Some(&h.token))
            .await,
    )
    .await;
    let r = first_sheet(&bytes);
    assert_eq!(r.get((0, 0)), Some(&Data::String("Naam".into())));
    assert_eq!(
        r.get((1, col(&r, "Persoonsgegevens"))),
        Some(&Data::String(
            "naam; burgerservicenummer (BSN); bankrekeningnummer (IBAN)".into()
        ))
    );
    // The Excel file goes back in as it came out: the same register, nothing to update.
    let before: Value = app.get(base, Some(&h.token)).await.json().await.unwrap();
    let r = post_bytes(
        &app,
        &format!("{base}/import"),
        &h.token,
        meldpunt::tabular::XLSX_MIME,
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"created": 0, "updated": 0})
    );
    let after: Value = app.get(base, Some(&h.token)).await.json().await.unwrap();
    assert_eq!(
        before.as_array().unwrap().len(),
        after.as_array().unwrap().len()
    );
    // Not for another organisation's staff.
    assert_problem(
        app.get(&format!("{base}/export?format=xlsx"), Some(&other.token))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        post_bytes(
            &app,
            &format!("{base}/import"),
            &other.token,
            meldpunt::tabular::XLSX_MIME,
            bytes,
        )
        .await,
        404,
        None,
    )
    .await;
    // A broken Excel file is refused by name.
    assert_problem(
        post_bytes(
            &app,
            &format!("{base}/import"),
            &h.token,
            meldpunt::tabular::XLSX_MIME,
            b"PK\x03\x04kapot".to_vec(),
        )
        .await,
        422,
        None,
    )
    .await;
}
both!(processing_register_excel_round_trip);

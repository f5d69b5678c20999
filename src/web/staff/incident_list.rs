//! The incident list (`/staff/incidents`), the staff's landing page: what waits for the person
//! ("voor u": their own open incidents, clocks close to their deadline), then the list by time left
//! on the 72-hour clock with search and filters kept in the address, paged ("1–50 van 312").
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::form::opt_t;
use super::page::{chosen_org, here, my_orgs, page_err, query, render, signed_in, with_cookie};
use super::when::{clock_text, local_time};
use crate::auth::Staff;
use crate::db::now;
use crate::error::ApiError;
use crate::incidents::lifecycle::{self, State};
use crate::incidents::service::{self, IncidentView, ListRequest, OwnerChoice, OwnerView};
use crate::orgs::store::OrgRow;
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// Incidents per page.
pub(super) const PAGE: i64 = 50;
/// How many of each kind the "voor u" panel shows (the rest behind a link).
const WAITING: i64 = 5;
/// "Close to the deadline" on the landing panel: at most this many hours left.
const NEAR_HOURS: i64 = 24;
/// The choices of the "time left" filter (hours; 0: overdue).
const LEFT_CHOICES: [i64; 4] = [0, 6, 24, 48];

fn state_label(lang: Lang, s: &str) -> String {
    opt_t(lang, &format!("staff_state_{s}")).unwrap_or_else(|| s.to_string())
}

/// The list's filters, as the address carries them.
#[derive(Debug, Default, Clone, PartialEq)]
struct Filters {
    /// `""`: the open ones; `all`: also closed ones; else one state.
    state: String,
    /// `""`: anyone's; `me`, `none` or a user id.
    owner: String,
    /// Text in the reference or title.
    q: String,
    /// Hours left at most (`""`: any).
    left: String,
    offset: i64,
}

impl Filters {
    fn read(q: &HashMap<String, String>) -> Filters {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let mut state = get("state");
        // The earlier address (`?open=all`) still works.
        if state.is_empty() && get("open") == "all" {
            state = "all".into();
        }
        if state != "all" && State::parse(&state).is_none() {
            state = String::new();
        }
        let left = get("left");
        let left = if LEFT_CHOICES.iter().any(|h| h.to_string() == left) {
            left
        } else {
            String::new()
        };
        Filters {
            state,
            owner: get("owner"),
            q: get("q")
                .chars()
                .take(service::MAX_SEARCH_CHARS)
                .collect::<String>(),
            left,
            offset: get("offset")
                .parse::<i64>()
                .unwrap_or(0)
                .clamp(0, crate::http::paging::MAX_OFFSET),
        }
    }

    /// No filter chosen: the landing view.
    fn plain(&self) -> bool {
        self.state.is_empty() && self.owner.is_empty() && self.q.is_empty() && self.left.is_empty()
    }

    /// The address of this list at `offset`, with the organisation chosen.
    fn url(&self, org: Option<&str>, offset: i64) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        if let Some(o) = org {
            pairs.push(("org", o.to_string()));
        }
        for (k, v) in [
            ("q", &self.q),
            ("state", &self.state),
            ("owner", &self.owner),
            ("left", &self.left),
        ] {
            if !v.is_empty() {
                pairs.push((k, v.clone()));
            }
        }
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        let qs: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", crate::web::kit::urlencode(&v)))
            .collect();
        if qs.is_empty() {
            "/staff/incidents".into()
        } else {
            format!("/staff/incidents?{}", qs.join("&"))
        }
    }

    fn request(&self, org: Option<&OrgRow>, limit: i64, offset: i64) -> ListRequest {
        ListRequest {
            organisation: org.map(|o| o.slug.clone()),
            state: State::parse(&self.state),
            open_only: self.state.is_empty(),
            owner: (!self.owner.is_empty()).then(|| OwnerChoice::parse(&self.owner)),
            q: (!self.q.is_empty()).then(|| self.q.clone()),
            due_within_hours: self.left.parse().ok(),
            limit,
            offset,
        }
    }
}

/// A whole number with thousands grouped: 1.234 in Dutch, 1,234 in English.
fn grouped(lang: Lang, v: i64) -> String {
    let sep = if lang == Lang::Nl { '.' } else { ',' };
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

/// "1–50 van 312" (numbers grouped as people write them).
pub(super) fn range_text(lang: Lang, from: i64, to: i64, total: i64) -> String {
    let n = |v: i64| grouped(lang, v);
    pages()
        .t(lang, "lists_range")
        .replace("{from}", &n(from))
        .replace("{to}", &n(to))
        .replace("{total}", &n(total))
}

/// One row of the list as the page shows it.
fn row_ctx(lang: Lang, v: &IncidentView, org_name: &HashMap<&str, &str>, me: &str) -> Value {
    let w = pages();
    let t = now();
    let reports = match v.report_count {
        0 => w.t(lang, "lists_reports_none"),
        1 => w.t(lang, "lists_reports_one"),
        n => w
            .t(lang, "lists_reports_many")
            .replace("{n}", &n.to_string()),
    };
    json!({
        "url": format!("/staff/incidents/{}", v.id),
        "reference": v.reference,
        "title": v.title,
        "organisation": org_name.get(v.organisation_id.as_str()).copied().unwrap_or(""),
        "state": state_label(lang, v.state.as_str()),
        "clock": clock_text(lang, v.ap_deadline, t, v.clock.running),
        "deadline": local_time(lang, v.ap_deadline),
        "owner": owner_text(lang, v.owner.as_ref(), me),
        "reports": reports,
        "report_refs": v.reports.join(", "),
        "follow_up": v.follow_up.as_ref().filter(|f| f.open).map(|f| json!({
            "overdue": f.overdue,
            "text": w.t(lang, if f.overdue { "staff_follow_up_overdue" } else { "staff_follow_up_due" })
                .replace("{at}", &local_time(lang, f.due_at)),
        })),
        "withdrawn": v.notification_withdrawn_at.is_some(),
    })
}

fn owner_text(lang: Lang, o: Option<&OwnerView>, me: &str) -> String {
    let w = pages();
    match o {
        None => w.t(lang, "lists_owner_nobody"),
        Some(o) if o.id == me => format!("{} ({})", o.display_name, w.t(lang, "lists_owner_you")),
        Some(o) => o.display_name.clone(),
    }
}

/// The choices of a select, the chosen one marked.
fn options(choices: Vec<(String, String)>, chosen: &str) -> Vec<Value> {
    choices
        .into_iter()
        .map(|(value, label)| json!({"selected": value == chosen, "value": value, "label": label}))
        .collect()
}

/// `GET /staff/incidents`: the landing page and the list.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let w = pages();
    let staff = signed_in(&req, lang, &here(&req)).await?;
    let orgs = my_orgs(&state, &staff, lang).await?;
    let (chosen, cookie) = chosen_org(&req, &orgs);
    let f = Filters::read(&query(&req));
    let r = f.request(chosen.as_ref(), PAGE, f.offset);
    let plain = f.plain() && f.offset == 0;
    let org_ids: Vec<String> = match &chosen {
        Some(o) => vec![o.id.clone()],
        None => staff.org_ids(),
    };
    let s = staff.clone();
    let loaded = state
        .db(move |c| {
            let page = service::list(c, &s, &r)?;
            // What waits for this person, on the landing view only.
            let waiting = if plain {
                let mine = ListRequest {
                    owner: Some(OwnerChoice::Me),
                    open_only: true,
                    limit: WAITING,
                    ..r.clone()
                };
                let near = ListRequest {
                    due_within_hours: Some(NEAR_HOURS),
                    open_only: true,
                    limit: WAITING,
                    ..r.clone()
                };
                // For an FG: how many drafts wait for their sign-off (the worklist's count).
                let to_sign = crate::signals::service::counts(c, &s)?.to_sign;
                Some((
                    service::list(c, &s, &mine)?,
                    service::list(c, &s, &near)?,
                    to_sign,
                ))
            } else {
                None
            };
            let mut people: Vec<OwnerView> = vec![];
            for o in &org_ids {
                for p in service::owner_candidates(c, o)? {
                    if !people.iter().any(|q| q.id == p.id) {
                        people.push(p);
                    }
                }
            }
            Ok((page, waiting, people))
        })
        .await;
    let ((views, total), waiting, people) = match loaded {
        Ok(x) => x,
        // A filter the address should not carry (a search too long cannot come from the form).
        Err(ApiError::Validation(_)) => return Err(super::page::bad_request(lang)),
        Err(e) => return Err(page_err(lang, e)),
    };
    let org_name: HashMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    let rows: Vec<Value> = views
        .iter()
        .map(|v| row_ctx(lang, v, &org_name, &staff.id))
        .collect();
    let slug = chosen.as_ref().map(|o| o.slug.as_str());
    let shown = views.len() as i64;
    let from = if shown == 0 { 0 } else { f.offset + 1 };
    let waiting_ctx = waiting.map(|((mine, mine_total), (near, near_total), to_sign)| {
        let mine_all = Filters { owner: "me".into(), ..Default::default() }.url(slug, 0);
        let near_all = Filters { left: NEAR_HOURS.to_string(), ..Default::default() }.url(slug, 0);
        json!({
            "mine": mine.iter().map(|v| row_ctx(lang, v, &org_name, &staff.id)).collect::<Vec<_>>(),
            "mine_count": waiting_count(lang, mine_total, "lists_waiting_mine_none", "lists_waiting_mine_count"),
            "mine_all": (mine_total > mine.len() as i64).then_some(mine_all),
            "near": near.iter().map(|v| row_ctx(lang, v, &org_name, &staff.id)).collect::<Vec<_>>(),
            "near_count": waiting_count(lang, near_total, "lists_waiting_near_none", "lists_waiting_near_count"),
            "near_all": (near_total > near.len() as i64).then_some(near_all),
            "to_sign": to_sign.map(|n| waiting_count(lang, n, "lists_waiting_sign_none", "lists_waiting_sign_count")),
        })
    });
    let mut state_choices = vec![
        (String::new(), w.t(lang, "staff_incidents_open")),
        ("all".to_string(), w.t(lang, "staff_incidents_all")),
    ];
    state_choices.extend(
        lifecycle::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), state_label(lang, s.as_str()))),
    );
    let mut owner_choices = vec![
        (String::new(), w.t(lang, "lists_owner_anyone")),
        ("me".to_string(), w.t(lang, "lists_mine")),
        ("none".to_string(), w.t(lang, "lists_owner_none")),
    ];
    owner_choices.extend(
        people
            .iter()
            .filter(|p| p.id != staff.id)
            .map(|p| (p.id.clone(), p.display_name.clone())),
    );
    let mut left_choices = vec![(String::new(), w.t(lang, "lists_left_any"))];
    left_choices.extend(LEFT_CHOICES.iter().map(|h| {
        let label = if *h == 0 {
            w.t(lang, "lists_left_overdue")
        } else {
            w.t(lang, "lists_left_hours").replace("{n}", &h.to_string())
        };
        (h.to_string(), label)
    }));
    let mut org_choices = vec![(String::new(), w.t(lang, "staff_org_all"))];
    org_choices.extend(orgs.iter().map(|o| (o.slug.clone(), o.name.clone())));
    let ctx = json!({
        "title": w.t(lang, "staff_incidents_title"),
        "two_factor_missing": staff.two_factor_missing(),
        "waiting": waiting_ctx,
        "mine_tab": f.owner == "me",
        "all_url": Filters::default().url(slug, 0),
        "mine_url": Filters { owner: "me".into(), ..Default::default() }.url(slug, 0),
        "q": f.q,
        "states": options(state_choices, &f.state),
        "owners": options(owner_choices, &f.owner),
        "lefts": options(left_choices, &f.left),
        "orgs": options(org_choices, slug.unwrap_or_default()),
        "several_orgs": orgs.len() > 1,
        "filtered": !f.plain(),
        "clear_url": Filters::default().url(None, 0),
        "rows": rows,
        "empty": views.is_empty(),
        "range": (total > 0).then(|| range_text(lang, from, f.offset + shown, total)),
        "prev_url": (f.offset > 0).then(|| f.url(slug, (f.offset - PAGE).max(0))),
        "next_url": (f.offset + shown < total).then(|| f.url(slug, f.offset + PAGE)),
    });
    Ok(with_cookie(
        render(
            &req,
            lang,
            Some(&staff),
            "staff/incidents",
            ctx,
            StatusCode::OK,
        )?,
        cookie,
    ))
}

fn waiting_count(lang: Lang, n: i64, none: &str, some: &str) -> String {
    let w = pages();
    if n == 0 {
        w.t(lang, none)
    } else {
        w.t(lang, some).replace("{n}", &n.to_string())
    }
}

/// The staff members who may own this incident, for the incident page's form.
pub(super) fn owner_options(
    lang: Lang,
    staff: &Staff,
    candidates: &[OwnerView],
    current: Option<&OwnerView>,
) -> Vec<Value> {
    let w = pages();
    let chosen = current.map(|o| o.id.as_str()).unwrap_or("");
    let mut v = vec![(String::new(), w.t(lang, "lists_owner_nobody"))];
    v.extend(candidates.iter().map(|p| {
        let label = if p.id == staff.id {
            format!("{} ({})", p.display_name, w.t(lang, "lists_owner_you"))
        } else {
            p.display_name.clone()
        };
        (p.id.clone(), label)
    }));
    options(v, chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_round_trip_through_the_address() {
        let f = Filters::read(&q(&[
            ("q", " brief "),
            ("state", "triage"),
            ("owner", "me"),
            ("left", "24"),
            ("offset", "50"),
        ]));
        assert_eq!(
            f.url(Some("oost"), 100),
            "/staff/incidents?org=oost&q=brief&state=triage&owner=me&left=24&offset=100"
        );
        assert_eq!(Filters::read(&q(&[])).url(None, 0), "/staff/incidents");
        // Unknown values fall back to the default view, never an error page.
        let odd = Filters::read(&q(&[("state", "vaag"), ("left", "5"), ("offset", "-3")]));
        assert_eq!(odd, Filters::default());
        assert_eq!(Filters::read(&q(&[("open", "all")])).state, "all");
    }

    #[test]
    fn the_lists_messages_are_complete_and_replace_no_other() {
        let map = |s: &str| -> serde_json::Map<String, Value> { serde_json::from_str(s).unwrap() };
        let nl = map(include_str!("../../../locales/nl/lists.json"));
        let en = map(include_str!("../../../locales/en/lists.json"));
        let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&nl), keys(&en), "the same keys in Dutch and English");
        for other in [
            include_str!("../../../locales/nl/common.json"),
            include_str!("../../../locales/nl/public.json"),
            include_str!("../../../locales/nl/staff.json"),
            include_str!("../../../locales/nl/mail.json"),
            include_str!("../../../locales/nl/day.json"),
            include_str!("../../../locales/en/common.json"),
            include_str!("../../../locales/en/public.json"),
            include_str!("../../../locales/en/staff.json"),
            include_str!("../../../locales/en/mail.json"),
            include_str!("../../../locales/en/day.json"),
        ] {
            let other = map(other);
            for k in nl.keys() {
                assert!(!other.contains_key(k), "{k} is defined twice");
            }
        }
    }

    #[test]
    fn the_range_reads_as_people_write_it() {
        assert_eq!(range_text(Lang::Nl, 1, 50, 1312), "1–50 van 1.312");
        assert_eq!(range_text(Lang::En, 51, 100, 1312), "51–100 of 1,312");
    }
}

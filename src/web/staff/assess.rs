//! The assessment part of the incident page: the facts in the AP form's vocabulary (each with
//! where it came from), the ENISA severity, the proposal with its reasons, the decision, the
//! processing activities it concerns, and the remedial measures. The rules are in
//! `assessment`, `remediation` and `register`; these handlers parse forms, call them and render.

use serde_json::{json, Map, Value};

use super::form::{push_err, Extra, Form};
use super::page::page_err;
use crate::assessment::decision::{Exception, Outcome};
use crate::assessment::facts::{self as fx, settle};
use crate::assessment::service::{self as aservice, AssessmentView};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::register::service as rservice;
use crate::remediation::rules::MeasureStatus;
use crate::remediation::service::{self as mservice};
use crate::state::AppState;
use crate::web::kit::{web as pages, Lang, PageError};

/// How a fact is asked for on the page.
enum Ask {
    /// Several of a closed list (checkboxes).
    Multi(Vec<(&'static str, &'static str, &'static str)>),
    /// One of a closed list (a select).
    One(Vec<(&'static str, &'static str, &'static str)>),
    /// Yes / no / not known.
    Tri,
    Number,
    Text,
}

macro_rules! opts {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| (v.as_str(), v.label_nl(), v.label_en()))
            .collect::<Vec<_>>()
    };
}

/// The simple facts, in the order of the AP's form, grouped as the page shows them.
fn groups() -> Vec<(&'static str, Vec<(&'static str, Ask)>)> {
    vec![
        (
            "staff_fx_group_what",
            vec![
                ("kind", Ask::One(opts!(fx::IncidentKind))),
                ("nature", Ask::Multi(opts!(fx::Nature))),
                ("availability_loss", Ask::One(opts!(fx::AvailabilityLoss))),
                ("how_discovered", Ask::Text),
                ("malicious_intent", Ask::Tri),
                ("exfiltrated", Ask::Tri),
            ],
        ),
        (
            "staff_fx_group_data",
            vec![
                ("general_data", Ask::Multi(opts!(fx::GeneralData))),
                ("special_categories", Ask::Multi(opts!(fx::SpecialCategory))),
                ("groups", Ask::Multi(opts!(fx::PersonGroup))),
                ("records", Ask::Number),
                ("identifiability", Ask::One(opts!(fx::Identifiability))),
                ("controller_nature", Ask::One(opts!(fx::ControllerNature))),
            ],
        ),
        (
            "staff_fx_group_effects",
            vec![
                (
                    "consequences_people",
                    Ask::Multi(opts!(fx::PeopleConsequence)),
                ),
                ("consequences_org", Ask::Multi(opts!(fx::OrgConsequence))),
                ("backup_available", Ask::Tri),
                ("restored_without_difficulty", Ask::Tri),
                ("integrity_recoverable", Ask::Tri),
                ("data_already_public", Ask::Tri),
                ("people_reachable", Ask::Tri),
            ],
        ),
    ]
}

/// The fact the incident's own field answers: "Hoe ontdekt" (`awareness_how`) is asked once, in
/// the incident's details of the same form, and recorded as this fact too, so the AP's answer and
/// the incident never tell two stories.
const ANSWERED_BY_INCIDENT: (&str, &str) = ("how_discovered", "awareness_how");

const PROTECTION_TRIS: [&str; 3] = ["data_intact", "recent_backup", "key_not_compromised"];
const RECIPIENT_TRIS: [&str; 4] = ["known", "trustworthy", "returned_or_deleted", "opened"];

fn label(lang: Lang, o: &(&'static str, &'static str, &'static str)) -> &'static str {
    match lang {
        Lang::Nl => o.1,
        Lang::En => o.2,
    }
}

fn tri_value(v: &Value) -> &'static str {
    match v.as_bool() {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

fn provenance(lang: Lang, fact: &Value) -> Value {
    let w = pages();
    match fact["provenance"].as_str() {
        Some("derived") => json!({
            "derived": true,
            "text": w.t(lang, "staff_fx_derived").replace("{from}", fact["from"].as_str().unwrap_or("")),
        }),
        Some("entered") => json!({"entered": true, "text": w.t(lang, "staff_fx_entered")}),
        _ => json!({"missing": true, "text": w.t(lang, "staff_fx_missing")}),
    }
}

/// The facts form's context from facts as JSON (stored, or as typed after an error).
fn facts_form(lang: Lang, facts: &Value, errors: &super::form::Shown) -> Value {
    let w = pages();
    let err = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    };
    let tri_options = |cur: &str| {
        json!([
            {"value": "true", "label": w.t(lang, "staff_yes"), "checked": cur == "true"},
            {"value": "false", "label": w.t(lang, "staff_no"), "checked": cur == "false"},
            {"value": "", "label": w.t(lang, "staff_fx_unknown"), "checked": cur.is_empty()},
        ])
    };
    let groups: Vec<Value> = groups()
        .into_iter()
        .map(|(legend, fields)| {
            let fields: Vec<Value> = fields
                .into_iter()
                .filter(|(name, _)| *name != ANSWERED_BY_INCIDENT.0)
                .map(|(name, ask)| {
                    let fact = &facts[name];
                    let value = &fact["value"];
                    let mut f = json!({
                        "name": name,
                        "id": format!("f-{name}"),
                        "label": w.t(lang, &format!("staff_fx_{name}")),
                        "provenance": provenance(lang, fact),
                        "error": err(name),
                    });
                    match ask {
                        Ask::Multi(options) => {
                            let chosen: Vec<&str> = value
                                .as_array()
                                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                                .unwrap_or_default();
                            f["multi"] = json!(true);
                            f["options"] = options
                                .iter()
                                .map(|o| json!({"value": o.0, "label": label(lang, o), "checked": chosen.contains(&o.0), "id": format!("f-{name}-{}", o.0)}))
                                .collect();
                        }
                        Ask::One(options) => {
                            let cur = value.as_str().unwrap_or("");
                            f["one"] = json!(true);
                            f["options"] = options
                                .iter()
                                .map(|o| json!({"value": o.0, "label": label(lang, o), "selected": cur == o.0}))
                                .collect();
                        }
                        Ask::Tri => {
                            f["tri"] = json!(true);
                            f["options"] = tri_options(tri_value(value));
                        }
                        Ask::Number => {
                            f["number"] = json!(true);
                            f["value"] = json!(value.as_i64().map(|n| n.to_string()).unwrap_or_default());
                        }
                        Ask::Text => {
                            f["text"] = json!(true);
                            f["value"] = json!(value.as_str().unwrap_or(""));
                        }
                    }
                    f
                })
                .collect();
            json!({"legend": w.t(lang, legend), "fields": fields})
        })
        .collect();
    let people = &facts["people"]["value"];
    let (exact, min, max) = match people["type"].as_str() {
        Some("exact") => (people["n"].as_i64(), None, None),
        Some("range") => (None, people["min"].as_i64(), people["max"].as_i64()),
        _ => (None, None, None),
    };
    let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let prot = &facts["protection"]["value"];
    let method = prot["method"].as_str().unwrap_or("");
    let rec = &facts["recipients"]["value"];
    json!({
        "groups": groups,
        "people": {
            "provenance": provenance(lang, &facts["people"]),
            "exact": num(exact), "min": num(min), "max": num(max),
            "error": err("people"),
        },
        "protection": {
            "provenance": provenance(lang, &facts["protection"]),
            "methods": opts!(fx::ProtectionMethod).iter().map(|o| json!({"value": o.0, "label": label(lang, o), "selected": method == o.0})).collect::<Vec<_>>(),
            "technique": prot["technique"].as_str().unwrap_or(""),
            "exception_a_claimed": prot["exception_a_claimed"].as_bool().unwrap_or(false),
            "tris": PROTECTION_TRIS.iter().map(|n| json!({"name": n, "label": w.t(lang, &format!("staff_fx_protection_{n}")), "options": tri_options(tri_value(&prot[*n]))})).collect::<Vec<_>>(),
            "error": err("protection"),
        },
        "recipients": {
            "provenance": provenance(lang, &facts["recipients"]),
            "tris": RECIPIENT_TRIS.iter().map(|n| json!({"name": n, "label": w.t(lang, &format!("staff_fx_recipients_{n}")), "options": tri_options(tri_value(&rec[*n]))})).collect::<Vec<_>>(),
            "count": num(rec["count"].as_i64()),
            "trust_basis": rec["trust_basis"].as_str().unwrap_or(""),
            "error": err("recipients"),
        },
        "kind_other": facts["kind_other"].as_str().unwrap_or(""),
        "measures": measures_form(lang, &facts["risk_removing_measures"], &errors_for(errors, "risk_removing_measures")),
    })
}

/// The errors whose field starts with `prefix`.
fn errors_for(errors: &super::form::Shown, prefix: &str) -> Vec<String> {
    errors
        .iter()
        .filter(|(f, _)| f.starts_with(prefix))
        .map(|(_, m)| m.clone())
        .collect()
}

/// The measures of Art. 34(3)(b) as form rows: each recorded measure, plus one empty row.
fn measures_form(lang: Lang, fact: &Value, errors: &[String]) -> Value {
    let w = pages();
    let mut rows: Vec<Value> = fact["value"].as_array().cloned().unwrap_or_default();
    if rows.len() < MAX_MEASURE_ROWS {
        rows.push(json!({"description": "", "removes": [], "completed": false}));
    }
    let rows: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let removes: Vec<&str> = m["removes"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            json!({
                "i": i,
                "number": i + 1,
                "description": m["description"].as_str().unwrap_or(""),
                "completed": m["completed"].as_bool().unwrap_or(false),
                "risks": fx::HighRisk::ALL.iter().map(|r| json!({
                    "value": r.as_str(),
                    "label": match lang { Lang::Nl => r.label_nl(), Lang::En => r.label_en() },
                    "checked": removes.contains(&r.as_str()),
                    "id": format!("f-rm{i}-{}", r.as_str()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "provenance": provenance(lang, fact),
        "rows": rows,
        "errors": errors,
        "hint": w.t(lang, "staff_fx_measures_hint"),
    })
}

/// At most this many measures on the form (one more than recorded, up to this).
const MAX_MEASURE_ROWS: usize = 8;

/// The measures as the form gives them: rows without a description are left out.
fn measures_from_form(f: &Form) -> Value {
    let mut out = vec![];
    for i in 0..MAX_MEASURE_ROWS {
        let description = f.get(&format!("fx.rm{i}_description")).trim().to_string();
        if description.is_empty() {
            continue;
        }
        let chosen = f.all(&format!("fx.rm{i}_removes"));
        let removes: Vec<&str> = fx::HighRisk::ALL
            .iter()
            .map(|r| r.as_str())
            .filter(|r| chosen.iter().any(|c| c == r))
            .collect();
        out.push(json!({
            "description": description,
            "removes": removes,
            "completed": f.has(&format!("fx.rm{i}_completed")),
        }));
    }
    json!(out)
}

fn parse_tri(s: &str) -> Value {
    match s {
        "true" => json!(true),
        "false" => json!(false),
        _ => Value::Null,
    }
}

fn parse_num(
    f: &Form,
    key: &str,
    field: &str,
    errs: &mut super::form::Shown,
    lang: Lang,
) -> Option<i64> {
    let s = f.get(key);
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match s.replace(['.', ' '], "").parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            push_err(errs, field, pages().t(lang, "staff_err_number"));
            None
        }
    }
}

/// The facts as the form gives them, on top of the current facts (fields the form does not show
/// stay as they are). Field errors for numbers that are not numbers.
pub(super) fn facts_from_form(
    f: &Form,
    current: &Value,
    lang: Lang,
) -> (Value, super::form::Shown) {
    let mut out: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    let mut errs = vec![];
    let confirmed = |name: &str| f.has(&format!("confirm.{name}"));
    for (_, fields) in groups() {
        for (name, ask) in fields {
            let key = if name == ANSWERED_BY_INCIDENT.0 {
                // Not on this form, or left empty where the fact was derived: kept as it is.
                let derived = current
                    .get(name)
                    .is_some_and(|c| c["provenance"] == "derived");
                if !f.has(ANSWERED_BY_INCIDENT.1)
                    || (derived && f.get(ANSWERED_BY_INCIDENT.1).trim().is_empty())
                {
                    continue;
                }
                ANSWERED_BY_INCIDENT.1.to_string()
            } else {
                format!("fx.{name}")
            };
            let new = match ask {
                Ask::Multi(options) => {
                    let chosen = f.all(&key);
                    // Keep the form's order; ignore values that are not options.
                    let v: Vec<&str> = options
                        .iter()
                        .map(|o| o.0)
                        .filter(|o| chosen.iter().any(|c| c == o))
                        .collect();
                    json!(v)
                }
                Ask::One(options) => {
                    let v = f.get(&key);
                    if options.iter().any(|o| o.0 == v) {
                        json!(v)
                    } else {
                        Value::Null
                    }
                }
                Ask::Tri => parse_tri(&f.get(&key)),
                Ask::Number => parse_num(f, &key, name, &mut errs, lang)
                    .map(|n| json!(n))
                    .unwrap_or(Value::Null),
                Ask::Text => {
                    let v = f.get(&key).trim().to_string();
                    if v.is_empty() {
                        Value::Null
                    } else {
                        json!(v)
                    }
                }
            };
            let cur = current
                .get(name)
                .cloned()
                .unwrap_or(json!({"provenance": "missing"}));
            out.insert(name.to_string(), settle(&cur, new, confirmed(name)));
        }
    }
    // The number of people: exact, or a minimum with an optional maximum.
    let exact = parse_num(f, "fx.people_exact", "people", &mut errs, lang);
    let min = parse_num(f, "fx.people_min", "people", &mut errs, lang);
    let max = parse_num(f, "fx.people_max", "people", &mut errs, lang);
    let people = match (exact, min, max) {
        (Some(n), _, _) => json!({"type": "exact", "n": n}),
        (None, Some(min), max) => json!({"type": "range", "min": min, "max": max}),
        (None, None, Some(max)) => json!({"type": "range", "min": 0, "max": max}),
        _ => Value::Null,
    };
    let cur = current
        .get("people")
        .cloned()
        .unwrap_or(json!({"provenance": "missing"}));
    out.insert("people".into(), settle(&cur, people, confirmed("people")));
    // Protection beforehand.
    let method = f.get("fx.protection_method");
    let protection = if fx::ProtectionMethod::parse(&method).is_some() {
        let mut p = json!({
            "method": method,
            "technique": Some(f.get("fx.protection_technique").trim().to_string()).filter(|s| !s.is_empty()),
            "exception_a_claimed": f.has("fx.protection_exception_a_claimed"),
        });
        for n in PROTECTION_TRIS {
            p[n] = parse_tri(&f.get(&format!("fx.protection_{n}")));
        }
        p
    } else {
        Value::Null
    };
    let cur = current
        .get("protection")
        .cloned()
        .unwrap_or(json!({"provenance": "missing"}));
    let cur_norm = normalise_object(&cur);
    out.insert(
        "protection".into(),
        settle(&cur_norm, protection, confirmed("protection")),
    );
    // Recipients.
    let mut rec = json!({});
    for n in RECIPIENT_TRIS {
        rec[n] = parse_tri(&f.get(&format!("fx.recipients_{n}")));
    }
    rec["count"] = parse_num(f, "fx.recipients_count", "recipients", &mut errs, lang)
        .map(|n| json!(n))
        .unwrap_or(Value::Null);
    rec["trust_basis"] = Some(f.get("fx.recipients_trust_basis").trim().to_string())
        .filter(|s| !s.is_empty())
        .map(Value::String)
        .unwrap_or(Value::Null);
    let all_null = rec
        .as_object()
        .map(|o| o.values().all(|v| v.is_null()))
        .unwrap_or(true);
    let rec = if all_null { Value::Null } else { rec };
    let cur = current
        .get("recipients")
        .cloned()
        .unwrap_or(json!({"provenance": "missing"}));
    let cur_norm = normalise_object(&cur);
    out.insert(
        "recipients".into(),
        settle(&cur_norm, rec, confirmed("recipients")),
    );
    // The measures of Art. 34(3)(b), a list: an empty list of a fact never recorded stays missing.
    let cur = current
        .get("risk_removing_measures")
        .cloned()
        .unwrap_or(json!({"provenance": "missing"}));
    let measures = measures_from_form(f);
    let measures = if measures.as_array().map(|a| a.is_empty()).unwrap_or(true)
        && cur.get("value").is_none()
    {
        Value::Null
    } else {
        measures
    };
    out.insert(
        "risk_removing_measures".into(),
        settle(&cur, measures, confirmed("risk_removing_measures")),
    );
    let other = f.get("fx.kind_other").trim().to_string();
    out.insert(
        "kind_other".into(),
        if other.is_empty() {
            Value::Null
        } else {
            json!(other)
        },
    );
    (Value::Object(out), errs)
}

/// A stored composite fact with every optional key present (null when absent), so it compares
/// equal to the same value read back from the form.
fn normalise_object(fact: &Value) -> Value {
    let mut f = fact.clone();
    if let Some(v) = f.get_mut("value").and_then(|v| v.as_object_mut()) {
        for k in [
            "technique",
            "data_intact",
            "recent_backup",
            "key_not_compromised",
            "known",
            "trustworthy",
            "returned_or_deleted",
            "opened",
            "count",
            "trust_basis",
        ] {
            if !v.contains_key(k) {
                // Only keys of this kind of object: protection has a method, recipients do not.
                let is_protection = v.contains_key("method");
                let protection_key = [
                    "technique",
                    "data_intact",
                    "recent_backup",
                    "key_not_compromised",
                ]
                .contains(&k);
                if is_protection == protection_key {
                    v.insert(k.into(), Value::Null);
                }
            }
        }
        if v.contains_key("method") && !v.contains_key("exception_a_claimed") {
            v.insert("exception_a_claimed".into(), json!(false));
        }
    }
    f
}

/// The high risks a proposal found, in words.
pub fn proposal_threats(
    lang: Lang,
    p: &crate::assessment::decision::Proposal,
) -> Vec<&'static str> {
    p.threats
        .iter()
        .map(|t| match lang {
            Lang::Nl => t.label_nl(),
            Lang::En => t.label_en(),
        })
        .collect()
}

/// What would change a proposal: known facts answered otherwise (`missing = false`), or missing
/// facts whose answer would raise it (`missing = true`).
pub fn what_if_ctx(
    lang: Lang,
    p: &crate::assessment::decision::Proposal,
    missing: bool,
) -> Vec<String> {
    p.what_if
        .iter()
        .filter(|w| w.missing == missing)
        .map(|w| match lang {
            Lang::Nl => w.nl.clone(),
            Lang::En => w.en.clone(),
        })
        .collect()
}

/// What the assessment part of the incident page shows.
pub async fn ctx(
    state: &AppState,
    staff: &Staff,
    id: &str,
    lang: Lang,
    extra: &Extra,
) -> Result<Value, PageError> {
    let w = pages();
    let (s, i) = (staff.clone(), id.to_string());
    let (view, measures, linked, all_acts, members, org_id, facts_json) = state
        .db(move |c| {
            let view: AssessmentView = aservice::load_assessment(c, &s, &i)?;
            let measures = mservice::list(c, &s, &i)?;
            let linked = rservice::linked_activities(c, &s, &i)?;
            let inc = crate::incidents::service::visible(c, &s, &i, false)?;
            let all = rservice::list_activities(c, &s, &inc.organisation_id)?;
            let members = crate::auth::store::members_of(c, &inc.organisation_id)?;
            let facts_json = serde_json::to_value(view.facts.clone().unwrap_or_default())
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((
                view,
                measures,
                linked,
                all,
                members,
                inc.organisation_id,
                facts_json,
            ))
        })
        .await
        .map_err(|e| page_err(lang, e))?;
    let facts = extra.assess_facts.clone().unwrap_or(facts_json);
    let mut owners: Vec<(String, String)> = members.into_iter().map(|m| (m.0, m.2)).collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    owners.dedup_by(|a, b| a.0 == b.0);
    let typed = |k: &str| extra.typed.get(k).cloned().unwrap_or_default();
    let severity = view.severity.as_ref().map(|s| {
        json!({
            "score": format!("{:.2}", s.score).replace('.', if lang == Lang::Nl { "," } else { "." }),
            "band": match lang { Lang::Nl => s.band.label_nl(), Lang::En => s.band.label_en() },
            "reasons": s.reasons.iter().map(|r| if lang == Lang::Nl { r.nl.clone() } else { r.en.clone() }).collect::<Vec<_>>(),
        })
    });
    let proposal = view.proposal.as_ref().map(|p| {
        json!({
            "outcome": match lang { Lang::Nl => p.outcome.label_nl(), Lang::En => p.outcome.label_en() },
            "outcome_key": p.outcome.as_str(),
            "exception": p.exception.map(|e| match lang { Lang::Nl => e.label_nl(), Lang::En => e.label_en() }),
            "reasons": p.reasons.iter().map(|r| if lang == Lang::Nl { r.nl.clone() } else { r.en.clone() }).collect::<Vec<_>>(),
            "missing": view.facts.as_ref().map(|f| f.missing().iter().map(|m| w.t(lang, &format!("staff_fx_{m}"))).collect::<Vec<_>>()).unwrap_or_default(),
            "threats": proposal_threats(lang, p),
            "what_if": what_if_ctx(lang, p, false),
            "what_if_missing": what_if_ctx(lang, p, true),
        })
    });
    let proposed = view
        .proposal
        .as_ref()
        .map(|p| p.outcome.as_str())
        .unwrap_or("");
    let chosen_outcome = extra
        .typed
        .get("outcome")
        .cloned()
        .unwrap_or_else(|| proposed.to_string());
    let decision = view.decision.as_ref().map(|d| {
        let outcome = Outcome::parse(&d.outcome);
        json!({
            "outcome": outcome.map(|o| match lang { Lang::Nl => o.label_nl(), Lang::En => o.label_en() }).unwrap_or(""),
            "exception": d.exception.as_deref().and_then(Exception::parse).map(|e| match lang { Lang::Nl => e.label_nl(), Lang::En => e.label_en() }),
            "reasons": super::form::lines(&d.reasons),
            "reason_for_difference": d.reason_for_difference.as_deref().map(super::form::lines),
            "at": super::when::local_time(lang, d.decided_at),
            "outdated": view.assessment_id.as_deref() != Some(d.assessment_id.as_str()),
        })
    });
    let today = mservice::today_nl(crate::db::now());
    let open_measures = measures
        .iter()
        .filter(|m| {
            MeasureStatus::parse(&m.status)
                .map(|s| s.is_open())
                .unwrap_or(true)
        })
        .count();
    let measures: Vec<Value> = measures
        .iter()
        .map(|m| {
            let status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Open);
            json!({
                "id": m.id,
                "description": super::form::lines(&m.description),
                "owner": m.owner_name.clone().unwrap_or_else(|| w.t(lang, "staff_measure_no_owner")),
                "due": m.due_on.format("%d-%m-%Y").to_string(),
                "due_value": m.due_on.to_string(),
                "status": match lang { Lang::Nl => status.label_nl(), Lang::En => status.label_en() },
                "overdue": m.overdue,
                "evidence": m.evidence.as_deref().map(super::form::lines),
                "version": m.version,
                "statuses": MeasureStatus::ALL.iter().map(|s| json!({"value": s.as_str(), "label": match lang { Lang::Nl => s.label_nl(), Lang::En => s.label_en() }, "selected": *s == status})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let linked_ids: Vec<&str> = linked.iter().map(|a| a.id.as_str()).collect();
    Ok(json!({
        "facts": facts_form(lang, &facts, &extra.errors),
        "facts_version": view.facts_version,
        "severity": severity,
        "proposal": proposal,
        "history": view.history.iter().map(|h| json!({
            "version": h.version,
            "at": super::when::local_time(lang, h.created_at),
            "band": match lang { Lang::Nl => h.band.label_nl(), Lang::En => h.band.label_en() },
            "outcome": match lang { Lang::Nl => h.outcome.label_nl(), Lang::En => h.outcome.label_en() },
        })).collect::<Vec<_>>(),
        "decision": decision,
        "outcomes": Outcome::ALL.iter().map(|o| json!({"value": o.as_str(), "label": match lang { Lang::Nl => o.label_nl(), Lang::En => o.label_en() }, "selected": o.as_str() == chosen_outcome, "proposed": o.as_str() == proposed})).collect::<Vec<_>>(),
        "exceptions": Exception::ALL.iter().map(|e| json!({"value": e.as_str(), "label": match lang { Lang::Nl => e.label_nl(), Lang::En => e.label_en() }, "selected": extra.typed.get("exception").map(|x| x == e.as_str()).unwrap_or(false)})).collect::<Vec<_>>(),
        "reasons": typed("reasons"),
        "reason_for_difference": typed("reason_for_difference"),
        "measures": measures,
        "open_measures": open_measures,
        "today": today.to_string(),
        "owners": owners.iter().map(|(id, name)| json!({"id": id, "name": name, "selected": extra.typed.get("owner_id") == Some(id)})).collect::<Vec<_>>(),
        "measure_description": typed("measure_description"),
        "measure_due": typed("measure_due"),
        "activities": all_acts.iter().map(|a| json!({"id": a.id, "name": a.activity.name, "checked": linked_ids.contains(&a.id.as_str()), "input_id": format!("f-act-{}", a.id)})).collect::<Vec<_>>(),
        "linked": linked.iter().map(|a| a.activity.name.clone()).collect::<Vec<_>>(),
        "org_id": org_id,
        "lessons_learned": typed("lessons_learned"),
        "override_reason": typed("override_reason"),
    }))
}

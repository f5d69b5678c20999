//! Statistics over register entries, and charts as SVG rendered on the server (no script, no
//! external resources; each chart has a title and its numbers as text for screen readers).
use serde::Serialize;

use super::breaches::{Entry, Timeliness};
use crate::assessment::decision::Outcome;
use crate::assessment::facts::IncidentKind;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Statistics {
    pub incidents: usize,
    pub by_kind: Vec<Count>,
    pub by_decision: Vec<Count>,
    /// Incidents notified to the AP whose notification stands (a withdrawn one is not counted).
    pub notified: usize,
    pub notified_within_72h: usize,
    /// Incidents whose AP notification was withdrawn: filed, then withdrawn (it stays on file at
    /// the AP as a notice, but no longer as a notification of a breach).
    pub withdrawn: usize,
    /// notified_within_72h / notified; none when nothing was notified.
    pub share_within_72h: Option<f64>,
    /// Median hours from awareness to notification over the notified incidents.
    pub median_hours_to_notification: Option<f64>,
    pub open_measures: usize,
    pub overdue_measures: usize,
}

pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

pub fn compute(entries: &[Entry]) -> Statistics {
    let mut by_kind: Vec<Count> = IncidentKind::ALL
        .iter()
        .map(|k| Count {
            key: k.as_str().into(),
            label: k.label_nl().into(),
            count: entries
                .iter()
                .filter(|e| e.kind.as_deref() == Some(k.as_str()))
                .count(),
        })
        .collect();
    let unknown = entries.iter().filter(|e| e.kind.is_none()).count();
    by_kind.push(Count {
        key: "unknown".into(),
        label: "nog niet vastgelegd".into(),
        count: unknown,
    });
    by_kind.retain(|c| c.count > 0);
    by_kind.sort_by_key(|c| std::cmp::Reverse(c.count));
    let mut by_decision: Vec<Count> = Outcome::ALL
        .iter()
        .map(|o| Count {
            key: o.as_str().into(),
            label: o.label_nl().into(),
            count: entries
                .iter()
                .filter(|e| e.decision.as_deref() == Some(o.as_str()))
                .count(),
        })
        .collect();
    by_decision.push(Count {
        key: "none".into(),
        label: "nog geen besluit".into(),
        count: entries.iter().filter(|e| e.decision.is_none()).count(),
    });
    by_decision.retain(|c| c.count > 0);
    // A withdrawn notification does not count as notified (nor in the share within 72 hours or the
    // median): it was withdrawn because it should not stand, so counting it would overstate both.
    let standing = || {
        entries
            .iter()
            .filter(|e| e.notification_withdrawn_at.is_none())
    };
    let notified = standing()
        .filter(|e| e.timeliness != Timeliness::NotNotified)
        .count();
    let within = standing()
        .filter(|e| e.timeliness == Timeliness::Within)
        .count();
    let withdrawn = entries
        .iter()
        .filter(|e| e.notification_withdrawn_at.is_some())
        .count();
    Statistics {
        incidents: entries.len(),
        by_kind,
        by_decision,
        notified,
        notified_within_72h: within,
        withdrawn,
        share_within_72h: (notified > 0).then(|| within as f64 / notified as f64),
        median_hours_to_notification: median(
            standing().filter_map(|e| e.hours_to_notification).collect(),
        ),
        open_measures: entries.iter().map(|e| e.open_measures).sum(),
        overdue_measures: entries
            .iter()
            .flat_map(|e| e.measures.iter())
            .filter(|m| m.overdue)
            .count(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart: per count its label on a line, the bar below it, the number at its end.
pub fn bar_chart(id: &str, title: &str, counts: &[Count]) -> String {
    let row = 46;
    let bar_w = 540;
    let h = 20 + row * counts.len().max(1);
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-t" viewBox="0 0 {w} {h}" width="100%" class="chart"><title id="{id}-t">{t}</title>"#,
        w = bar_w + 60,
        t = esc(title)
    );
    if counts.is_empty() {
        s.push_str(r##"<text x="0" y="20" fill="#333" font-size="14">Geen gegevens in deze periode</text>"##);
    }
    for (i, c) in counts.iter().enumerate() {
        let y = 6 + i * row;
        let w = (c.count * bar_w / max).max(2);
        s.push_str(&format!(
            r##"<text x="0" y="{ty}" fill="#1a1a1a" font-size="14">{label}</text><rect x="0" y="{by}" width="{w}" height="18" fill="#154273"><title>{label}: {n}</title></rect><text x="{nx}" y="{ny}" fill="#1a1a1a" font-size="14">{n}</text>"##,
            ty = y + 14,
            by = y + 20,
            ny = y + 34,
            label = esc(&c.label),
            n = c.count,
            nx = w + 6,
        ));
    }
    s.push_str("</svg>");
    s
}

/// One bar split into notified within and after 72 hours.
pub fn timeliness_chart(id: &str, st: &Statistics) -> String {
    let width = 600usize;
    let after = st.notified - st.notified_within_72h;
    let within_w = (st.notified_within_72h * width)
        .checked_div(st.notified)
        .unwrap_or(0);
    let pct = st
        .share_within_72h
        .map(|s| format!("{:.0}%", s * 100.0))
        .unwrap_or_else(|| "—".into());
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-t" viewBox="0 0 {vw} 70" width="100%" class="chart"><title id="{id}-t">Binnen 72 uur gemeld: {within} van {total} ({pct})</title><rect x="0" y="10" width="{width}" height="24" fill="#e6e6e6"/><rect x="0" y="10" width="{within_w}" height="24" fill="#39870c"/><rect x="{within_w}" y="10" width="{after_w}" height="24" fill="#d52b1e"/><text x="0" y="56" fill="#1a1a1a" font-size="13">binnen 72 uur: {within} · na 72 uur: {after} · {pct}</text></svg>"##,
        vw = width + 10,
        within = st.notified_within_72h,
        total = st.notified,
        after_w = if st.notified == 0 {
            0
        } else {
            width - within_w
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(kind: Option<&str>, decision: Option<&str>, hours: Option<f64>) -> Entry {
        let aware = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let notified = hours.map(|h| aware + chrono::Duration::minutes((h * 60.0) as i64));
        Entry {
            incident_id: "i".into(),
            reference: "DL-2026-0001".into(),
            organisation_id: "o".into(),
            organisation: "Gemeente".into(),
            title: "t".into(),
            state: "closed".into(),
            became_aware_at: aware,
            late_awareness_reason: None,
            ap_deadline: aware + chrono::Duration::hours(72),
            notified_at: notified,
            timeliness: Timeliness::of(aware, notified),
            notification_withdrawn_at: None,
            hours_to_notification: hours,
            kind: kind.map(str::to_string),
            nature: vec![],
            data_categories: vec![],
            special_categories: vec![],
            groups: vec![],
            people: None,
            consequences: vec![],
            severity_band: None,
            severity_score: None,
            proposal: None,
            decision: decision.map(str::to_string),
            decision_exception: None,
            decision_reasons: None,
            decision_reason_for_difference: None,
            decided_at: None,
            measures: vec![],
            open_measures: 1,
            lessons_learned: None,
            closed_at: None,
            close_override_reason: None,
            evidence_purged_at: None,
        }
    }

    #[test]
    fn counts_shares_and_median() {
        let es = vec![
            entry(
                Some("letter_wrong_recipient"),
                Some("notify_ap"),
                Some(20.0),
            ),
            entry(
                Some("letter_wrong_recipient"),
                Some("notify_ap"),
                Some(80.0),
            ),
            entry(Some("email_cc_not_bcc"), Some("notify_ap"), Some(50.0)),
            entry(None, None, None),
        ];
        let st = compute(&es);
        assert_eq!(st.incidents, 4);
        assert_eq!(st.by_kind[0].key, "letter_wrong_recipient");
        assert_eq!(st.by_kind[0].count, 2);
        assert_eq!(st.notified, 3);
        assert_eq!(st.notified_within_72h, 2);
        assert!((st.share_within_72h.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(st.median_hours_to_notification, Some(50.0));
        assert_eq!(st.open_measures, 4);
        assert_eq!(
            st.by_decision
                .iter()
                .map(|c| (c.key.as_str(), c.count))
                .collect::<Vec<_>>(),
            vec![("notify_ap", 3), ("none", 1)]
        );
    }

    #[test]
    fn a_withdrawn_notification_counts_as_withdrawn_not_as_notified() {
        let mut gone = entry(Some("email_cc_not_bcc"), Some("notify_ap"), Some(10.0));
        gone.notification_withdrawn_at = gone.notified_at.map(|n| n + chrono::Duration::days(2));
        let es = vec![
            entry(Some("email_cc_not_bcc"), Some("notify_ap"), Some(80.0)),
            gone,
        ];
        let st = compute(&es);
        assert_eq!(st.incidents, 2);
        assert_eq!(st.notified, 1);
        assert_eq!(st.withdrawn, 1);
        assert_eq!(st.notified_within_72h, 0);
        assert_eq!(st.share_within_72h, Some(0.0));
        assert_eq!(st.median_hours_to_notification, Some(80.0));
    }

    #[test]
    fn median_of_even_and_empty() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn charts_escape_labels_and_carry_their_numbers_as_text() {
        let svg = bar_chart(
            "k",
            "Soort <incident>",
            &[Count {
                key: "x".into(),
                label: "a & b".into(),
                count: 3,
            }],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Soort &lt;incident&gt;"));
        assert!(svg.contains("a &amp; b: 3"));
        let st = compute(&[entry(None, None, Some(10.0))]);
        assert!(timeliness_chart("t", &st).contains("1 van 1 (100%)"));
    }
}

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::lifecycle::State;
use super::model::Facts;
use crate::db::schema::{incident_handlers, incident_imports, incidents};
use crate::db::Cached;
use crate::db::{from_db, to_db, DbConn};

crate::stored_as_text!(State, "incident state");

// `treat_none_as_default_value = false`: a None is bound as NULL (no nullable column of
// `incidents` has another default), so the INSERT's SQL is the same for every row and its prepared
// statement is found by type, instead of diesel writing the SQL text anew to look it up.
#[derive(Queryable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = incidents, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct IncidentRow {
    pub id: String,
    pub organisation_id: String,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub state: State,
    pub state_reason: Option<String>,
    pub breach_started_at: Option<NaiveDateTime>,
    pub breach_ended_at: Option<NaiveDateTime>,
    pub discovered_at: Option<NaiveDateTime>,
    pub became_aware_at: NaiveDateTime,
    pub awareness_established_by: Option<String>,
    pub awareness_how: Option<String>,
    pub ap_deadline: NaiveDateTime,
    pub processor_name: Option<String>,
    pub processor_aware_at: Option<NaiveDateTime>,
    pub processor_notice_at: Option<NaiveDateTime>,
    pub processor_contract_hours: Option<i32>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// When the AP notification was filed (first reached `notified`).
    pub notified_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub lessons_learned: Option<String>,
    /// Why it was closed while measures were still open (FG or admin).
    pub close_override_reason: Option<String>,
    pub evidence_purged_at: Option<NaiveDateTime>,
    /// Why awareness is recorded later than the processor's notice.
    pub late_awareness_reason: Option<String>,
    /// When a withdrawal (intrekking) of the AP notification was filed.
    pub notification_withdrawn_at: Option<NaiveDateTime>,
    /// The follow-up a provisional notification opens: a supplement is due by then.
    pub supplement_due_at: Option<NaiveDateTime>,
    /// When that follow-up was closed (a supplement filed).
    pub supplement_closed_at: Option<NaiveDateTime>,
    /// Who works on it: a staff member of its organisation (set through `service::set_owner`).
    pub owner_id: Option<String>,
}

impl IncidentRow {
    pub fn facts(&self) -> Facts {
        Facts {
            title: self.title.clone(),
            description: self.description.clone(),
            breach_started_at: self.breach_started_at.map(from_db),
            breach_ended_at: self.breach_ended_at.map(from_db),
            discovered_at: self.discovered_at.map(from_db),
            became_aware_at: from_db(self.became_aware_at),
            awareness_established_by: self.awareness_established_by.clone(),
            awareness_how: self.awareness_how.clone(),
            processor_name: self.processor_name.clone(),
            processor_aware_at: self.processor_aware_at.map(from_db),
            processor_notice_at: self.processor_notice_at.map(from_db),
            processor_contract_hours: self.processor_contract_hours,
            late_awareness_reason: self.late_awareness_reason.clone(),
        }
    }

    pub fn set_facts(&mut self, f: &Facts) {
        self.title = f.title.clone();
        self.description = f.description.clone();
        self.breach_started_at = f.breach_started_at.map(to_db);
        self.breach_ended_at = f.breach_ended_at.map(to_db);
        self.discovered_at = f.discovered_at.map(to_db);
        self.became_aware_at = to_db(f.became_aware_at);
        self.ap_deadline = to_db(f.ap_deadline());
        self.awareness_established_by = f.awareness_established_by.clone();
        self.awareness_how = f.awareness_how.clone();
        self.processor_name = f.processor_name.clone();
        self.processor_aware_at = f.processor_aware_at.map(to_db);
        self.processor_notice_at = f.processor_notice_at.map(to_db);
        self.processor_contract_hours = f.processor_contract_hours;
        self.late_awareness_reason = f.late_awareness_reason.clone();
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn new(
        id: String,
        organisation_id: String,
        reference: String,
        facts: &Facts,
        created_by: String,
        now: DateTime<Utc>,
    ) -> IncidentRow {
        let t = to_db(now);
        let mut row = IncidentRow {
            id,
            organisation_id,
            reference,
            title: String::new(),
            description: String::new(),
            state: State::New,
            state_reason: None,
            breach_started_at: None,
            breach_ended_at: None,
            discovered_at: None,
            became_aware_at: t,
            awareness_established_by: None,
            awareness_how: None,
            ap_deadline: t,
            processor_name: None,
            processor_aware_at: None,
            processor_notice_at: None,
            processor_contract_hours: None,
            created_by,
            created_at: t,
            updated_at: t,
            version: 1,
            notified_at: None,
            closed_at: None,
            lessons_learned: None,
            close_override_reason: None,
            evidence_purged_at: None,
            late_awareness_reason: None,
            notification_withdrawn_at: None,
            supplement_due_at: None,
            supplement_closed_at: None,
            owner_id: None,
        };
        row.set_facts(facts);
        row
    }
}

/// `DL-2026-0042`: counted per organisation and year.
pub fn reference(year: i32, n: i64) -> String {
    format!("DL-{year}-{n:04}")
}

pub fn next_reference(conn: &mut DbConn, org_id: &str, now: DateTime<Utc>) -> QueryResult<String> {
    let year = now.year();
    let n = crate::db::next_counter(conn, &format!("incident:{org_id}"), year)?;
    Ok(reference(year, n))
}

pub fn insert(conn: &mut DbConn, row: &IncidentRow) -> QueryResult<()> {
    diesel::insert_into(incidents::table)
        .values(row)
        .execute_on(conn)
        .map(|_| ())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<IncidentRow>> {
    incidents::table.find(id).first_on(conn).optional()
}

/// Load and lock the row for a change (PostgreSQL row lock; SQLite holds the write lock already).
pub fn by_id_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<IncidentRow>> {
    crate::db_run!(
        conn,
        sqlite: |c| incidents::table.find(id).first(c).optional(),
        pg: |c| incidents::table.find(id).for_update().first(c).optional(),
    )
}

/// Write a changed row, bumping its version.
pub fn save(conn: &mut DbConn, row: &mut IncidentRow, now: DateTime<Utc>) -> QueryResult<()> {
    row.version += 1;
    row.updated_at = to_db(now);
    diesel::update(incidents::table.find(&row.id))
        .set(&*row)
        .execute_on(conn)
        .map(|_| ())
}

pub fn add_handler(conn: &mut DbConn, incident_id: &str, user_id: &str) -> QueryResult<()> {
    let exists: i64 = incident_handlers::table
        .filter(incident_handlers::incident_id.eq(incident_id))
        .filter(incident_handlers::user_id.eq(user_id))
        .count()
        .get_result_on(conn)?;
    if exists == 0 {
        diesel::insert_into(incident_handlers::table)
            .values((
                incident_handlers::incident_id.eq(incident_id),
                incident_handlers::user_id.eq(user_id),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// The first handler of an incident created in this transaction (it has none yet: no need to ask).
pub fn add_first_handler(conn: &mut DbConn, incident_id: &str, user_id: &str) -> QueryResult<()> {
    diesel::insert_into(incident_handlers::table)
        .values((
            incident_handlers::incident_id.eq(incident_id),
            incident_handlers::user_id.eq(user_id),
        ))
        .execute_on(conn)
        .map(|_| ())
}

pub fn handlers(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<String>> {
    incident_handlers::table
        .filter(incident_handlers::incident_id.eq(incident_id))
        .select(incident_handlers::user_id)
        .load_on(conn)
}

const RUNNING: [State; 4] = [
    State::New,
    State::Triage,
    State::Assessed,
    State::NotificationPending,
];

/// Whose incidents a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    /// Owned by this user.
    User(String),
    /// Owned by nobody yet.
    Nobody,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub org_ids: Vec<String>,
    /// One state; none: every state (every open state with `open_only`).
    pub state: Option<String>,
    pub open_only: bool,
    /// None: whoever owns it.
    pub owner: Option<OwnerFilter>,
    /// Text in the reference or the title (case does not matter).
    pub q: Option<String>,
    /// Only running clocks whose deadline is at or before this moment.
    pub due_before: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

impl ListFilter {
    /// The states the list may show, in no particular order.
    fn states(&self) -> Vec<State> {
        let mut v: Vec<State> = match &self.state {
            Some(s) => State::parse(s).into_iter().collect(),
            None => crate::incidents::lifecycle::ALL.to_vec(),
        };
        if self.open_only {
            v.retain(|s| !s.is_closed());
        }
        if self.due_before.is_some() {
            v.retain(|s| s.clock_running());
        }
        v
    }

    /// No filter beyond organisation, state and owner: the total comes from `incident_counts`.
    fn counted(&self) -> bool {
        self.q.is_none() && self.due_before.is_none()
    }

    fn pattern(&self) -> Option<String> {
        self.q.as_ref().map(|q| {
            let clean: String = q
                .trim()
                .chars()
                .filter(|c| !matches!(c, '%' | '_' | '\\'))
                .flat_map(char::to_lowercase)
                .collect();
            format!("%{clean}%")
        })
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on SQLite and PostgreSQL for the search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The filters beyond organisation and state, on any boxed query of `incidents`.
macro_rules! narrowed {
    ($q:expr, $f:expr, $pattern:expr) => {{
        let mut q = $q;
        match &$f.owner {
            Some(OwnerFilter::User(u)) => q = q.filter(incidents::owner_id.eq(u.clone())),
            Some(OwnerFilter::Nobody) => q = q.filter(incidents::owner_id.is_null()),
            None => {}
        }
        if let Some(p) = $pattern {
            q = q.filter(
                lower(incidents::title)
                    .like(p.clone())
                    .or(lower(incidents::reference).like(p.clone())),
            );
        }
        if let Some(t) = $f.due_before {
            q = q.filter(incidents::ap_deadline.le(to_db(t)));
        }
        q
    }};
}

/// The order of the list: clocks still running first (by deadline, the most urgent first), then
/// the open incidents whose clock stopped, then the closed ones (each newest first).
fn phase(s: State) -> u8 {
    if s.clock_running() {
        0
    } else if !s.is_closed() {
        1
    } else {
        2
    }
}

/// How many incidents there are per (organisation, state) for this filter: from `incident_counts`
/// (kept by the database's triggers) when only organisation, state and owner filter, else counted.
fn counts(
    conn: &mut DbConn,
    f: &ListFilter,
    states: &[&str],
) -> QueryResult<Vec<(String, String, i64)>> {
    use crate::db::schema::incident_counts;
    if f.counted() {
        let rows: Vec<(String, String, i64)> = if f.owner.is_none() {
            // The landing page: a query of fixed type, so its statement is found in the cache by
            // type (a boxed one writes its SQL text on every call to look it up).
            incident_counts::table
                .filter(incident_counts::organisation_id.eq_any(&f.org_ids))
                .filter(incident_counts::state.eq_any(states))
                .filter(incident_counts::n.gt(0))
                .select((
                    incident_counts::organisation_id,
                    incident_counts::state,
                    incident_counts::n,
                ))
                .load_on(conn)?
        } else {
            crate::db_run!(conn, |c| {
                let mut q = incident_counts::table
                    .filter(incident_counts::organisation_id.eq_any(&f.org_ids))
                    .filter(incident_counts::state.eq_any(states))
                    .filter(incident_counts::n.gt(0))
                    .select((
                        incident_counts::organisation_id,
                        incident_counts::state,
                        incident_counts::n,
                    ))
                    .into_boxed();
                match &f.owner {
                    Some(OwnerFilter::User(u)) => {
                        q = q.filter(incident_counts::owner_id.eq(u.clone()))
                    }
                    Some(OwnerFilter::Nobody) => q = q.filter(incident_counts::owner_id.eq("")),
                    None => {}
                }
                q.load(c)?
            })
        };
        // Summed over the owners.
        let mut out: Vec<(String, String, i64)> = vec![];
        for (org, state, n) in rows {
            match out.iter_mut().find(|(o, s, _)| *o == org && *s == state) {
                Some(e) => e.2 += n,
                None => out.push((org, state, n)),
            }
        }
        return Ok(out);
    }
    crate::db_run!(conn, |c| {
        let q = incidents::table
            .group_by((incidents::organisation_id, incidents::state))
            .select((
                incidents::organisation_id,
                incidents::state,
                diesel::dsl::count_star(),
            ))
            .filter(incidents::organisation_id.eq_any(&f.org_ids))
            .filter(incidents::state.eq_any(states))
            .into_boxed();
        narrowed!(q, f, f.pattern()).load(c)
    })
}

/// One (organisation, state) in the list's order, at most `take` rows (the index
/// `incidents_list`, or `incidents_owner` for one owner, gives them in order).
fn stream(
    conn: &mut DbConn,
    f: &ListFilter,
    org: &str,
    state: &str,
    ascending: bool,
    take: i64,
) -> QueryResult<Vec<IncidentRow>> {
    if f.owner.is_none() && f.q.is_none() && f.due_before.is_none() {
        // No filter beyond organisation and state (the landing page): queries of fixed type, whose
        // statements are found in the cache by type; a boxed query writes its SQL text (all the
        // columns) on every call to look its statement up.
        let q = incidents::table
            .filter(incidents::organisation_id.eq(org))
            .filter(incidents::state.eq(state));
        return if ascending {
            q.order((incidents::ap_deadline.asc(), incidents::id.asc()))
                .limit(take)
                .load_on(conn)
        } else {
            q.order((incidents::ap_deadline.desc(), incidents::id.desc()))
                .limit(take)
                .load_on(conn)
        };
    }
    crate::db_run!(conn, |c| {
        let q = incidents::table
            .filter(incidents::organisation_id.eq(org.to_string()))
            .filter(incidents::state.eq(state.to_string()))
            .into_boxed();
        let q = narrowed!(q, f, f.pattern());
        let q = if ascending {
            q.order((incidents::ap_deadline.asc(), incidents::id.asc()))
        } else {
            q.order((incidents::ap_deadline.desc(), incidents::id.desc()))
        };
        q.limit(take).load(c)
    })
}

/// A page of the list and the total it is part of. The page is merged from the ordered
/// (organisation, state) streams, each read only as far as the page reaches, so its cost depends on
/// the offset and the number of organisations, not on the size of the table.
pub fn page(conn: &mut DbConn, f: &ListFilter) -> QueryResult<(Vec<IncidentRow>, i64)> {
    let states = f.states();
    if states.is_empty() || f.org_ids.is_empty() {
        return Ok((vec![], 0));
    }
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let counts = counts(conn, f, &names)?;
    let total: i64 = counts.iter().map(|(_, _, n)| n).sum();
    let (mut skip, mut want) = (f.offset.max(0), f.limit.max(0));
    let mut out = vec![];
    for ph in 0..3u8 {
        if want == 0 {
            break;
        }
        let streams: Vec<&(String, String, i64)> = counts
            .iter()
            .filter(|(_, s, n)| *n > 0 && State::parse(s).map(phase) == Some(ph))
            .collect();
        let n: i64 = streams.iter().map(|(_, _, n)| n).sum();
        if skip >= n {
            skip -= n;
            continue;
        }
        let ascending = ph == 0;
        let mut rows = vec![];
        for (org, st, _) in streams {
            rows.extend(stream(conn, f, org, st, ascending, skip + want)?);
        }
        rows.sort_by(|a, b| {
            let k = (a.ap_deadline, &a.id).cmp(&(b.ap_deadline, &b.id));
            if ascending {
                k
            } else {
                k.reverse()
            }
        });
        let got: Vec<IncidentRow> = rows
            .into_iter()
            .skip(skip as usize)
            .take(want as usize)
            .collect();
        want -= got.len() as i64;
        skip = 0;
        out.extend(got);
    }
    Ok((out, total))
}

/// A page of the list (see [`page`]) without its total.
pub fn list(conn: &mut DbConn, f: &ListFilter) -> QueryResult<Vec<IncidentRow>> {
    page(conn, f).map(|(rows, _)| rows)
}

/// How many candidates the escalation reads at a time; it reads on after the last one until none
/// are left, so no incident is skipped however many are overdue.
pub const CANDIDATES_PAGE: i64 = 500;

/// Before the first page: earlier than any deadline (one statement for every page, so it stays
/// prepared).
fn before_all() -> (NaiveDateTime, String) {
    (chrono::DateTime::UNIX_EPOCH.naive_utc(), String::new())
}

/// A page of the incidents whose clock runs and whose deadline is within `hours` of `now` (or
/// past), in the order of their deadline (then id), after `after` (the last one of the page
/// before).
pub fn clock_candidates(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    hours: i64,
    after: Option<(NaiveDateTime, String)>,
) -> QueryResult<Vec<IncidentRow>> {
    let (d, id) = after.unwrap_or_else(before_all);
    incidents::table
        .filter(incidents::state.eq_any(RUNNING))
        .filter(incidents::ap_deadline.le(to_db(now + chrono::Duration::hours(hours))))
        .filter(not_imported())
        .filter(
            incidents::ap_deadline
                .gt(d)
                .or(incidents::ap_deadline.eq(d).and(incidents::id.gt(id))),
        )
        .order((incidents::ap_deadline.asc(), incidents::id.asc()))
        .limit(CANDIDATES_PAGE)
        .load_on(conn)
}

/// Not taken over from an earlier register: its past deadlines were met or missed back then, and
/// nobody is to be e-mailed about them now.
fn not_imported() -> diesel::dsl::not<diesel::dsl::exists<IncidentImportsOfIncident>> {
    diesel::dsl::not(diesel::dsl::exists(
        incident_imports::table.filter(incident_imports::incident_id.eq(incidents::id)),
    ))
}

type IncidentImportsOfIncident = diesel::dsl::Filter<
    incident_imports::table,
    diesel::dsl::Eq<incident_imports::incident_id, incidents::id>,
>;

/// Incidents with an open follow-up (a provisional notification waiting for its supplement) due
/// within `hours` of `now` (or past), whose notification was not withdrawn.
/// A page as [`clock_candidates`] gives it, ordered by `supplement_due_at` (then id).
pub fn follow_up_candidates(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    hours: i64,
    after: Option<(NaiveDateTime, String)>,
) -> QueryResult<Vec<IncidentRow>> {
    let (d, id) = after.unwrap_or_else(before_all);
    incidents::table
        .filter(incidents::supplement_due_at.le(to_db(now + chrono::Duration::hours(hours))))
        .filter(incidents::supplement_closed_at.is_null())
        .filter(incidents::notification_withdrawn_at.is_null())
        .filter(incidents::state.ne_all([State::Closed, State::NotABreach]))
        .filter(not_imported())
        .filter(
            incidents::supplement_due_at
                .gt(d)
                .or(incidents::supplement_due_at.eq(d).and(incidents::id.gt(id))),
        )
        .order((incidents::supplement_due_at.asc(), incidents::id.asc()))
        .limit(CANDIDATES_PAGE)
        .load_on(conn)
}

/// How many of the incident's measures are still open (closing waits for them).
pub fn open_measures(c: &mut DbConn, incident_id: &str) -> QueryResult<i64> {
    crate::db::schema::measures::table
        .filter(crate::db::schema::measures::incident_id.eq(incident_id))
        .filter(crate::db::schema::measures::status.eq_any(["open", "in_progress"]))
        .count()
        .get_result_on(c)
}

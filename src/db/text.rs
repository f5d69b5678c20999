//! Enums stored as TEXT: [`stored_as_text!`](crate::stored_as_text) maps a type with
//! `as_str(&self) -> &'static str` and `parse(&str) -> Option<Self>` to diesel's `Text`, so rows
//! hold the enum itself. Generic over the backend (`DB: Backend` where `str: ToSql<Text, DB>` and
//! `String: FromSql<Text, DB>`): the same impls serve PostgreSQL, SQLite and the `DbConn`
//! `MultiConnection`'s backend. A stored value that is none of the enum's is a deserialisation
//! error that names the type and the value (the query fails with it), never a panic.
//!
//! Written by hand rather than derived so that the enums stay in their pure modules
//! (`lifecycle.rs` and the like name no diesel): the impls are those `#[derive(AsExpression,
//! FromSqlRow)]` with `#[diesel(sql_type = Text)]` would write, the expression being the enum's
//! `&'static str`.

/// Store `$ty` as TEXT (see the module). `$what` names it in the error for an unknown value.
#[macro_export]
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        const _: () = {
            use ::diesel::backend::Backend;
            use ::diesel::deserialize::{self, FromSql, Queryable};
            use ::diesel::expression::AsExpression;
            use ::diesel::serialize::{self, Output, ToSql};
            use ::diesel::sql_types::{Nullable, SingleValue, Text};

            impl<DB> ToSql<Text, DB> for $ty
            where
                DB: Backend,
                str: ToSql<Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
                }
            }

            impl<DB> ToSql<Nullable<Text>, DB> for $ty
            where
                DB: Backend,
                str: ToSql<Text, DB>,
            {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                    <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
                }
            }

            impl<DB> FromSql<Text, DB> for $ty
            where
                DB: Backend,
                String: FromSql<Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                    let s = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                    <$ty>::parse(&s)
                        .ok_or_else(|| format!("unknown {} stored: {:?}", $what, s).into())
                }
            }

            impl<DB, ST> Queryable<ST, DB> for $ty
            where
                DB: Backend,
                ST: SingleValue,
                Self: FromSql<ST, DB>,
            {
                type Row = Self;

                fn build(row: Self) -> deserialize::Result<Self> {
                    Ok(row)
                }
            }

            impl AsExpression<Text> for $ty {
                type Expression = <&'static str as AsExpression<Text>>::Expression;

                fn as_expression(self) -> Self::Expression {
                    <&'static str as AsExpression<Text>>::as_expression(self.as_str())
                }
            }

            impl AsExpression<Nullable<Text>> for $ty {
                type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;

                fn as_expression(self) -> Self::Expression {
                    <&'static str as AsExpression<Nullable<Text>>>::as_expression(self.as_str())
                }
            }

            impl<'a> AsExpression<Text> for &'a $ty {
                type Expression = <&'static str as AsExpression<Text>>::Expression;

                fn as_expression(self) -> Self::Expression {
                    <&'static str as AsExpression<Text>>::as_expression(self.as_str())
                }
            }

            impl<'a> AsExpression<Nullable<Text>> for &'a $ty {
                type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;

                fn as_expression(self) -> Self::Expression {
                    <&'static str as AsExpression<Nullable<Text>>>::as_expression(self.as_str())
                }
            }
        };
    };
}

/// Every enum stored as text goes to the database and back as itself (the strings the CHECK
/// constraints name, so no migration), on a real SQLite connection through diesel's `FromSql` and
/// `ToSql`; any other text is an error of the query, never a panic. (PostgreSQL goes through the
/// same generic impls; the API tests run both.)
#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel::sqlite::SqliteConnection;
    use proptest::prelude::*;

    use crate::incidents::lifecycle::{State, ALL as INCIDENT_STATES};
    use crate::notifications::lifecycle::{
        DraftKind, DraftStatus, Purpose, ALL_KINDS, ALL_STATUSES as DRAFT_STATUSES,
    };
    use crate::outbox::status::{OutboxStatus, ALL as OUTBOX_STATUSES};
    use crate::reports::model::{ReportStatus, ALL_STATUSES as REPORT_STATUSES};

    fn conn() -> SqliteConnection {
        SqliteConnection::establish(":memory:").unwrap()
    }

    /// Each value bound as the enum comes back as its text and as the same enum.
    macro_rules! round_trip {
        ($c:expr, $ty:ty, $values:expr) => {
            for v in $values {
                let as_text: String = diesel::select(v.into_sql::<Text>()).get_result($c).unwrap();
                assert_eq!(as_text, v.as_str());
                let back: $ty = diesel::select(v.into_sql::<Text>()).get_result($c).unwrap();
                assert_eq!(back, v);
            }
        };
    }

    #[test]
    fn every_value_round_trips_as_its_text() {
        let c = &mut conn();
        round_trip!(c, State, INCIDENT_STATES);
        round_trip!(c, DraftStatus, DRAFT_STATUSES);
        round_trip!(c, DraftKind, ALL_KINDS);
        round_trip!(c, Purpose, [Purpose::Ap, Purpose::Communication]);
        round_trip!(c, ReportStatus, REPORT_STATUSES);
        round_trip!(c, OutboxStatus, OUTBOX_STATUSES);
    }

    /// Load `text` as a `T`: the query's result (an error for an unknown value).
    fn load<T>(c: &mut SqliteConnection, text: &str) -> QueryResult<T>
    where
        T: diesel::deserialize::FromSqlRow<Text, diesel::sqlite::Sqlite> + 'static,
    {
        diesel::select(text.into_sql::<Text>()).get_result(c)
    }

    fn check_text(c: &mut SqliteConnection, s: &str) {
        let expect = |known: bool, r: Result<(), String>, what: &str| match (known, r) {
            (true, Ok(())) => {}
            (false, Err(e)) => assert!(e.contains(what) && e.contains("unknown"), "{e}"),
            (k, r) => panic!("{what} {s:?}: known {k}, got {r:?}"),
        };
        // The error and its causes (diesel wraps ours: "Error deserializing field …").
        let e = |r: Result<(), diesel::result::Error>| {
            r.map_err(|e| {
                let mut text = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(c) = cause {
                    text.push_str(": ");
                    text.push_str(&c.to_string());
                    cause = c.source();
                }
                text
            })
        };
        expect(
            State::parse(s).is_some(),
            e(load::<State>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "incident state",
        );
        expect(
            DraftStatus::parse(s).is_some(),
            e(load::<DraftStatus>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "draft status",
        );
        expect(
            DraftKind::parse(s).is_some(),
            e(load::<DraftKind>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "draft kind",
        );
        expect(
            Purpose::parse(s).is_some(),
            e(load::<Purpose>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "draft purpose",
        );
        expect(
            ReportStatus::parse(s).is_some(),
            e(load::<ReportStatus>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "report status",
        );
        expect(
            OutboxStatus::parse(s).is_some(),
            e(load::<OutboxStatus>(c, s).map(|v| assert_eq!(v.as_str(), s))),
            "outbox status",
        );
    }

    #[test]
    fn near_misses_are_errors_naming_the_type() {
        let c = &mut conn();
        for s in [
            "",
            " new",
            "New",
            "NEW",
            "closed ",
            "in-review",
            "sent\0",
            "pending\n",
        ] {
            check_text(c, s);
        }
    }

    proptest! {
        /// Any text: a known value loads as itself, anything else is an error (no panic).
        #[test]
        fn any_text_loads_as_itself_or_is_an_error(s in "\\PC{0,24}|[a-z_]{0,22}") {
            let c = &mut conn();
            check_text(c, &s);
        }
    }
}

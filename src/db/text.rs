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

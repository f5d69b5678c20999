//! Whether an incident may close: lessons learned recorded, no measure open unless overridden.
//! Pure: no web or database code here.
use crate::error::FieldProblem;

pub const MAX_LESSONS: usize = 20_000;
pub const MAX_OVERRIDE: usize = 5_000;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// What closing an incident brings with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloseInput {
    pub lessons_learned: Option<String>,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseRefusal {
    /// Field problems (lessons learned missing, texts too long).
    Invalid(Vec<FieldProblem>),
    /// Measures are open and nobody overrode: the references of the open measures.
    MeasuresOpen(usize),
    /// An override was given by someone who may not override.
    OverrideNotAllowed,
}

/// Whether an incident may close: lessons learned are recorded, and no measure is open unless
/// an FG or admin (`may_override`) gives a reason. Returns whether an override was used.
pub fn check_close(
    open_measures: usize,
    input: &CloseInput,
    may_override: bool,
) -> Result<bool, CloseRefusal> {
    let lessons = input
        .lessons_learned
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    let over = input
        .override_reason
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    let mut problems = vec![];
    if lessons.is_empty() {
        problems.push(FieldProblem::new(
            "lessons_learned",
            "record the lessons learned before closing",
            "leg de geleerde lessen vast voordat het incident sluit",
        ));
    } else if chars(lessons) > MAX_LESSONS {
        problems.push(FieldProblem::new(
            "lessons_learned",
            format!("at most {MAX_LESSONS} characters"),
            format!("hoogstens {MAX_LESSONS} tekens"),
        ));
    }
    if chars(over) > MAX_OVERRIDE {
        problems.push(FieldProblem::new(
            "override_reason",
            format!("at most {MAX_OVERRIDE} characters"),
            format!("hoogstens {MAX_OVERRIDE} tekens"),
        ));
    }
    if !problems.is_empty() {
        return Err(CloseRefusal::Invalid(problems));
    }
    if open_measures == 0 {
        return Ok(false);
    }
    if over.is_empty() {
        return Err(CloseRefusal::MeasuresOpen(open_measures));
    }
    if !may_override {
        return Err(CloseRefusal::OverrideNotAllowed);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_needs_lessons_learned() {
        let r = check_close(0, &CloseInput::default(), false).unwrap_err();
        match r {
            CloseRefusal::Invalid(p) => assert_eq!(p[0].field, "lessons_learned"),
            other => panic!("{other:?}"),
        }
        let ok = CloseInput {
            lessons_learned: Some("Tweede controle bij mailings".into()),
            override_reason: None,
        };
        assert_eq!(check_close(0, &ok, false), Ok(false));
    }

    #[test]
    fn open_measures_block_closing_unless_fg_or_admin_overrides_with_a_reason() {
        let mut input = CloseInput {
            lessons_learned: Some("les".into()),
            override_reason: None,
        };
        assert_eq!(
            check_close(2, &input, true),
            Err(CloseRefusal::MeasuresOpen(2))
        );
        input.override_reason = Some("Maatregel loopt via het ICT-project, apart gevolgd".into());
        assert_eq!(
            check_close(2, &input, false),
            Err(CloseRefusal::OverrideNotAllowed)
        );
        assert_eq!(check_close(2, &input, true), Ok(true));
        // An override where nothing is open is simply not needed.
        assert_eq!(check_close(0, &input, false), Ok(false));
    }
}

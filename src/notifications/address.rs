//! The address block in the window of the envelope (NEN 5008): at most [`MAX_LINES`] lines (the
//! name included) of at most [`MAX_LINE_CHARS`] characters. Checked at the recipients import so
//! that no letter is printed with an address running past the window or over "Ons kenmerk".
//!
//! The width is a conservative character count, not a measure of the printed text: 45 characters
//! of the letter font at 10 pt fit the 90 mm window with room to spare for most text. The letter
//! layout may replace [`MAX_LINE_CHARS`] by its own measure of the rendered line. Pure: no
//! database or web code.

/// Lines in the window, the name line included.
pub const MAX_LINES: usize = 6;
/// Characters per line that fit the window's width.
pub const MAX_LINE_CHARS: usize = 45;

/// Why an address block does not fit the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// More than [`MAX_LINES`] lines.
    TooManyLines { lines: usize },
    /// Line `line` (1 = the first of the block) has `chars` characters, more than [`MAX_LINE_CHARS`].
    TooWide { line: usize, chars: usize },
}

impl Problem {
    pub fn en(&self) -> String {
        match self {
            Problem::TooManyLines { lines } => format!(
                "the address block (name and address) has {lines} lines; at most {MAX_LINES} fit the envelope window"
            ),
            Problem::TooWide { line, chars } => format!(
                "line {line} of the address block has {chars} characters; at most {MAX_LINE_CHARS} fit the envelope window"
            ),
        }
    }

    pub fn nl(&self) -> String {
        match self {
            Problem::TooManyLines { lines } => format!(
                "het adresblok (naam en adres) heeft {lines} regels; in het venster van de envelop passen er hoogstens {MAX_LINES}"
            ),
            Problem::TooWide { line, chars } => format!(
                "regel {line} van het adresblok heeft {chars} tekens; in het venster van de envelop passen er hoogstens {MAX_LINE_CHARS}"
            ),
        }
    }
}

/// The lines that print in the window: the name, then the address lines, each trimmed; empty
/// lines do not print.
pub fn window_lines<'a>(name: &'a str, postal_address: &'a str) -> Vec<&'a str> {
    std::iter::once(name)
        .chain(postal_address.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Does this block fit the window? The first line too wide is named.
pub fn check<S: AsRef<str>>(lines: &[S]) -> Result<(), Problem> {
    if lines.len() > MAX_LINES {
        return Err(Problem::TooManyLines { lines: lines.len() });
    }
    for (i, l) in lines.iter().enumerate() {
        let chars = l.as_ref().chars().count();
        if chars > MAX_LINE_CHARS {
            return Err(Problem::TooWide { line: i + 1, chars });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_dutch_address_fits() {
        let l = window_lines(
            "Fatma Yılmaz-Doğan",
            "Dorpsstraat 12 A\n1234 AB  OOSTDORP\n\n",
        );
        assert_eq!(
            l,
            vec![
                "Fatma Yılmaz-Doğan",
                "Dorpsstraat 12 A",
                "1234 AB  OOSTDORP"
            ]
        );
        assert_eq!(check(&l), Ok(()));
    }

    #[test]
    fn seven_lines_or_a_wide_line_are_refused_with_the_line() {
        let seven = ["a"; 7];
        assert_eq!(check(&seven), Err(Problem::TooManyLines { lines: 7 }));
        assert_eq!(check(&seven[..6]), Ok(()));
        let wide = "x".repeat(MAX_LINE_CHARS + 1);
        let l = ["Naam", "Straat 1", wide.as_str()];
        assert_eq!(
            check(&l),
            Err(Problem::TooWide {
                line: 3,
                chars: MAX_LINE_CHARS + 1
            })
        );
        // Characters, not bytes: 45 letters with diacritics fit.
        let ok = "ğ".repeat(MAX_LINE_CHARS);
        assert_eq!(check(&[ok.as_str()]), Ok(()));
        assert!(Problem::TooWide { line: 3, chars: 46 }
            .nl()
            .contains("regel 3"));
    }

    proptest! {
        #[test]
        fn fits_exactly_when_every_limit_holds(lines in prop::collection::vec("[a-zé ]{0,60}", 0..9)) {
            let fits = lines.len() <= MAX_LINES && lines.iter().all(|l| l.chars().count() <= MAX_LINE_CHARS);
            prop_assert_eq!(check(&lines).is_ok(), fits);
        }
    }
}

//! The address block in the window of the envelope (NEN 5008), checked at the recipients import so
//! that no letter is printed with an address running past the window or over "Ons kenmerk".
//!
//! One measure for the import and the letter: the block is measured by
//! [`crate::pdf::layout::address_fits`], the same font, size and window width the letters are laid
//! out with — at most [`MAX_LINES`] lines (the name included), each at most
//! [`crate::pdf::layout::ADDRESS_WIDTH`] mm wide as printed, every character one the letter font can
//! print. (A count of characters cannot say this: 45 capitals are about 130 mm, 45 narrow letters
//! about 45 mm.) Pure: no database or web code.
use crate::pdf::layout::{address_fits, AddressProblem, ADDRESS_MAX_LINES, ADDRESS_WIDTH};

/// Lines in the window, the name line included.
pub const MAX_LINES: usize = ADDRESS_MAX_LINES;

/// Why an address block does not fit the window. `line` is 1 for the first line of the block (the
/// name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing to print.
    Empty,
    /// More than [`MAX_LINES`] lines.
    TooManyLines { lines: usize },
    /// Line `line` is `mm` millimetres wide as printed, wider than the window takes.
    TooWide { line: usize, mm: u32 },
    /// Line `line` holds a character the letter font cannot print.
    Unprintable { line: usize, ch: char },
}

fn window_mm() -> u32 {
    ADDRESS_WIDTH as u32
}

impl Problem {
    pub fn en(&self) -> String {
        match self {
            Problem::Empty => "the address block is empty".into(),
            Problem::TooManyLines { lines } => format!(
                "the address block (name and address) has {lines} lines; at most {MAX_LINES} fit the envelope window"
            ),
            Problem::TooWide { line, mm } => format!(
                "line {line} of the address block is {mm} mm wide as printed; the envelope window takes at most {} mm",
                window_mm()
            ),
            Problem::Unprintable { line, ch } => format!(
                "line {line} of the address block holds the character ‘{ch}’ (U+{:04X}), which the letter cannot print",
                *ch as u32
            ),
        }
    }

    pub fn nl(&self) -> String {
        match self {
            Problem::Empty => "het adresblok is leeg".into(),
            Problem::TooManyLines { lines } => format!(
                "het adresblok (naam en adres) heeft {lines} regels; in het venster van de envelop passen er hoogstens {MAX_LINES}"
            ),
            Problem::TooWide { line, mm } => format!(
                "regel {line} van het adresblok is afgedrukt {mm} mm breed; in het venster van de envelop past hoogstens {} mm",
                window_mm()
            ),
            Problem::Unprintable { line, ch } => format!(
                "regel {line} van het adresblok bevat het teken ‘{ch}’ (U+{:04X}), dat de brief niet kan afdrukken",
                *ch as u32
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

/// Does this block (from [`window_lines`]) fit the window as the letter prints it? The first line
/// that does not is named.
pub fn check<S: AsRef<str>>(lines: &[S]) -> Result<(), Problem> {
    let shown: Vec<&str> = lines
        .iter()
        .map(|l| l.as_ref().trim())
        .filter(|l| !l.is_empty())
        .collect();
    if shown.len() > MAX_LINES {
        return Err(Problem::TooManyLines { lines: shown.len() });
    }
    match address_fits(&shown) {
        Ok(()) => Ok(()),
        Err((_, AddressProblem::Empty)) => Err(Problem::Empty),
        Err((_, AddressProblem::TooManyLines)) => Err(Problem::TooManyLines { lines: shown.len() }),
        Err((i, AddressProblem::TooWide(mm))) => Err(Problem::TooWide { line: i + 1, mm }),
        Err((i, AddressProblem::Unprintable(ch))) => Err(Problem::Unprintable { line: i + 1, ch }),
    }
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
    fn seven_lines_a_wide_line_or_an_unprintable_character_are_refused_with_the_line() {
        let seven = ["a"; 7];
        assert_eq!(check(&seven), Err(Problem::TooManyLines { lines: 7 }));
        assert_eq!(check(&seven[..6]), Ok(()));
        // The 133 mm line of the issue.
        let l = [
            "Naam",
            "Straat 1",
            "Stichting Maatschappelijke Dienstverlening en Schuldhulpverlening Regio Oost-Nederland",
        ];
        match check(&l) {
            Err(Problem::TooWide { line: 3, mm }) => assert!(mm > 120, "{mm}"),
            other => panic!("{other:?}"),
        }
        // Width, not a count: 45 narrow letters fit, 45 capitals do not.
        assert_eq!(check(&["il".repeat(22)]), Ok(()));
        assert!(matches!(
            check(&["WM".repeat(22)]),
            Err(Problem::TooWide { line: 1, .. })
        ));
        assert_eq!(
            check(&["Naam", "Straat 1\u{e000}"]),
            Err(Problem::Unprintable {
                line: 2,
                ch: '\u{e000}'
            })
        );
        let p = Problem::TooWide { line: 3, mm: 96 };
        assert!(p.nl().contains("regel 3 van het adresblok"), "{}", p.nl());
        assert!(p.nl().contains("96 mm") && p.nl().contains("80 mm"));
        assert!(p.en().contains("line 3"));
    }

    /// Letters common in Dutch municipalities' address files (Dutch, Turkish, Polish, Czech,
    /// Vietnamese), digits and the punctuation of addresses.
    const ADDRESS_CHARS: &str = "[A-Za-z0-9 .,'/-]|[éèëïöüçğışŞİłńśźżčřšžýůąęđơưạảấầẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]";

    proptest! {
        /// Fitting is closed under taking away: a block that fits still fits with a line dropped
        /// or a line cut short.
        #[test]
        fn less_text_never_stops_a_block_fitting(
            lines in prop::collection::vec(prop::collection::vec(ADDRESS_CHARS, 1..40).prop_map(|v| v.concat()), 1..7),
            drop in 0usize..6, cut in 0usize..40,
        ) {
            if check(&lines).is_ok() {
                let mut fewer = lines.clone();
                fewer.remove(drop % lines.len());
                prop_assert!(fewer.iter().all(|l| l.trim().is_empty()) || check(&fewer).is_ok());
                let mut shorter = lines.clone();
                let i = drop % lines.len();
                shorter[i] = shorter[i].chars().take(cut).collect();
                prop_assert!(shorter.iter().all(|l| l.trim().is_empty()) || check(&shorter).is_ok());
            }
        }

        /// Any line of up to 22 characters of these fits (22 of the widest, about 3.5 mm each,
        /// are 78 mm), so a real short address is never refused for its width; and no line of 82
        /// or more visible characters fits (the narrowest letter is about 1 mm).
        #[test]
        fn short_lines_fit_and_very_long_lines_never_do(
            short in prop::collection::vec(ADDRESS_CHARS, 1..=22).prop_map(|v| v.concat()),
            long in prop::collection::vec("[A-Za-zé]", 82..120).prop_map(|v| v.concat()),
        ) {
            let short = short.trim();
            prop_assume!(!short.is_empty());
            prop_assert_eq!(check(&["Naam", short]), Ok(()));
            let bad = check(&["Naam", "Straat 1", long.as_str()]);
            prop_assert!(matches!(bad, Err(Problem::TooWide { line: 3, .. })), "{:?}", bad);
        }

        /// More than six printed lines never fit, whatever they hold; blank lines do not count.
        #[test]
        fn seven_printed_lines_never_fit(
            lines in prop::collection::vec(prop::collection::vec(ADDRESS_CHARS, 1..10).prop_map(|v| v.concat()), 7..12),
            blanks in 0usize..4,
        ) {
            let printed = lines.iter().filter(|l| !l.trim().is_empty()).count();
            let mut with_blanks = lines.clone();
            with_blanks.extend(std::iter::repeat_n(String::from("  "), blanks));
            let r = check(&with_blanks);
            if printed > MAX_LINES {
                prop_assert_eq!(r, Err(Problem::TooManyLines { lines: printed }));
            } else {
                let too_many = matches!(r, Err(Problem::TooManyLines { .. }));
                prop_assert!(!too_many, "{:?}", r);
            }
        }

        /// The problem names the first line that does not fit, counted among the printed lines,
        /// in both languages.
        #[test]
        fn the_first_bad_line_is_named(
            good in prop::collection::vec(prop::collection::vec("[a-z]", 1..15).prop_map(|v| v.concat()), 0..5),
        ) {
            let mut lines = good.clone();
            lines.push("W".repeat(40));
            lines.push("W".repeat(40));
            prop_assume!(lines.len() <= MAX_LINES);
            let want = good.len() + 1;
            match check(&lines) {
                Err(p @ Problem::TooWide { line, .. }) => {
                    prop_assert_eq!(line, want);
                    let nl_line = format!("regel {} van het adresblok", want);
                    let en_line = format!("line {} of the address block", want);
                    prop_assert!(p.nl().contains(&nl_line));
                    prop_assert!(p.en().contains(&en_line));
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}

//! Masking personal data for lists and logs. Logs never carry descriptions, names, addresses or
//! contact details; where an identifier must appear it goes through these functions.

/// `jan.jansen@example.nl` → `j***@example.nl`
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Keep the last two digits of a phone number.
pub fn mask_phone(p: &str) -> String {
    let digits: Vec<char> = p.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return "***".into();
    }
    format!(
        "***{}",
        digits[digits.len() - 2..].iter().collect::<String>()
    )
}

/// Replace every run of 7 or more digits (BSNs, account and phone numbers; spaces, dots and
/// hyphens inside the run included) by asterisks, and e-mail addresses by their masked form.
pub fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.contains('@') && word.contains('.') {
            let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
            out.push_str(&word.replace(trimmed, &mask_email(trimmed)));
        } else {
            out.push_str(word);
        }
    }
    mask_digit_runs(&out)
}

fn mask_digit_runs(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            let mut digits = 0;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (matches!(chars[j], ' ' | '.' | '-')
                        && j + 1 < chars.len()
                        && chars[j + 1].is_ascii_digit()))
            {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                }
                j += 1;
            }
            if digits >= 7 {
                out.push_str(&"*".repeat(digits));
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A short excerpt of free text, masked, for lists.
pub fn excerpt(s: &str, max_chars: usize) -> String {
    let masked = mask_text(s);
    let mut e: String = masked.chars().take(max_chars).collect();
    if masked.chars().count() > max_chars {
        e.push('…');
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_identifiers_but_keeps_dates_and_short_numbers() {
        assert_eq!(mask_email("jan@example.nl"), "j***@example.nl");
        assert_eq!(mask_phone("06-12345678"), "***78");
        let t = mask_text("BSN 123 456 782 van jan@example.nl, brief 12 mei 2026, kenmerk 4521");
        assert!(!t.contains("782"), "{t}");
        assert!(!t.contains("jan@"), "{t}");
        assert!(t.contains("12 mei 2026"), "{t}");
        assert!(t.contains("4521"), "{t}");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}

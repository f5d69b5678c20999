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

/// Words that announce a person's name ("dhr. Jansen", "mijn naam is Piet de Vries").
const NAME_CUES: [&str; 12] = [
    "dhr", "dhr.", "mevr", "mevr.", "mw.", "meneer", "mevrouw", "heer", "mr", "mr.", "mrs", "ms",
];
/// The small words inside Dutch surnames.
const NAME_PARTICLES: [&str; 10] = [
    "van", "de", "der", "den", "het", "ter", "ten", "te", "la", "le",
];
/// How Dutch street names end.
const STREET_ENDINGS: [&str; 17] = [
    "straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "steeg", "hof", "pad",
    "dreef", "park", "markt", "baan", "wal", "veld",
];

fn core(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric())
}

fn capitalised(w: &str) -> bool {
    core(w)
        .chars()
        .next()
        .map(|c| c.is_uppercase())
        .unwrap_or(false)
}

/// The word masked, its leading and trailing punctuation kept.
fn masked_word(w: &str) -> String {
    let c = core(w);
    if c.is_empty() {
        return w.to_string();
    }
    w.replacen(c, "***", 1)
}

/// Names after a cue word and street addresses (a street name with a house number) and postcodes,
/// replaced by asterisks: what a list shows of free text must not name a person or where they
/// live. Only where detected: a name without a cue word stays (no dictionary of names).
pub fn mask_names_and_addresses(s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut i = 0;
    while i < words.len() {
        let l = lower[i].trim_start_matches(|c: char| !c.is_alphanumeric());
        let cue = NAME_CUES.contains(&l)
            || (core(&lower[i]) == "naam"
                && (lower[i].ends_with(':')
                    || lower
                        .get(i + 1)
                        .map(|n| n == "is" || n == ":")
                        .unwrap_or(false)));
        if cue {
            let mut j = i + 1;
            if lower.get(j).map(|n| n == "is" || n == ":").unwrap_or(false) {
                j += 1;
            }
            let mut named = 0;
            while j < words.len() && named < 4 {
                let w = words[j];
                let particle = NAME_PARTICLES.contains(&core(&lower[j]));
                if !(capitalised(w)
                    || (particle && named > 0)
                    || (particle && j + 1 < words.len() && capitalised(words[j + 1])))
                {
                    break;
                }
                out[j] = masked_word(w);
                named += 1;
                let ends_sentence = w.ends_with(['.', ',', ';', ':', '!', '?']) && !particle;
                j += 1;
                if ends_sentence {
                    break;
                }
            }
            i = j.max(i + 1);
            continue;
        }
        // A street with a house number: "Dorpsstraat 12", "Laan van Meerdervoort 5a".
        let c = core(&lower[i]);
        let next_is_number = words
            .get(i + 1)
            .and_then(|n| core(n).chars().next())
            .map(|ch| ch.is_ascii_digit())
            .unwrap_or(false);
        if capitalised(words[i]) && STREET_ENDINGS.iter().any(|e| c.ends_with(e)) && next_is_number
        {
            out[i] = masked_word(words[i]);
            out[i + 1] = masked_word(words[i + 1]);
            i += 2;
            continue;
        }
        // A postcode: "1234 AB".
        let four_digits = c.len() == 4 && c.chars().all(|ch| ch.is_ascii_digit());
        let letters = words
            .get(i + 1)
            .map(|n| {
                let n = core(n);
                n.len() == 2 && n.chars().all(|ch| ch.is_ascii_uppercase())
            })
            .unwrap_or(false);
        if four_digits && letters {
            out[i] = masked_word(words[i]);
            out[i + 1] = masked_word(words[i + 1]);
            i += 2;
            continue;
        }
        i += 1;
    }
    out.join(" ")
}

/// A short excerpt of free text, masked, for lists.
pub fn excerpt(s: &str, max_chars: usize) -> String {
    let masked = mask_names_and_addresses(&mask_text(s));
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
    fn names_after_a_cue_and_street_addresses_are_masked() {
        let t = excerpt(
            "Mijn naam is Piet de Vries. Ik woon op de Dorpsstraat 12, 1234 AB Oost. Brief van dhr. Jansen kwam bij mij.",
            500,
        );
        for gone in ["Piet", "Vries", "Dorpsstraat", "12,", "1234", "Jansen"] {
            assert!(!t.contains(gone), "{gone} in {t}");
        }
        assert!(t.contains("Mijn naam is *** *** ***."), "{t}");
        assert!(t.contains("Ik woon op de *** ***,"), "{t}");
        assert!(t.contains("Oost") && t.contains("kwam bij mij"), "{t}");
        // Ordinary words stay: a street word without a number, a capital after no cue.
        let keep = excerpt(
            "De brief over de Kerkstraat ging naar Gemeente Oost op 12 mei.",
            500,
        );
        assert_eq!(
            keep,
            "De brief over de Kerkstraat ging naar Gemeente Oost op 12 mei."
        );
        assert_eq!(excerpt("Naam: Anna Bakker", 100), "Naam: *** ***");
        assert_eq!(
            excerpt("mevrouw Van den Berg belde", 100),
            "mevrouw *** *** *** belde"
        );
    }

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

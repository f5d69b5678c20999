//! Mail merge without a full render per recipient. A campaign sends one template to up to 100,000
//! people and only the recipient's own values differ. When a template uses the recipient ONLY as
//! plain values (`{{recipient.name}}`, `{{{recipient.extra.x}}}`) — never in a condition, a loop,
//! a helper's argument, through `this` at the top, `../` or `@root` — its output is the same text
//! for everyone with those values put in. Such a template is rendered once per language with a
//! marker in place of each value; each recipient then costs a copy of the text with their values
//! (escaped as handlebars would) put in. Anything the analysis does not prove safe is rendered in
//! full, so the output is byte-for-byte what handlebars gives (tested below against full renders).
use handlebars::template::{BlockParam, Parameter, Template, TemplateElement};
use handlebars::Path;

/// Marks of a value in the once-rendered text: `\u{E000}<index>&\u{E001}` (private-use characters,
/// which no escape function touches). The `&` tells how that occurrence was written: an escaping
/// `{{…}}` turns it into `&amp;`, a raw `{{{…}}}` (or a plain-text template) leaves it.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A value of the recipient the template puts in: its path below `recipient`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub path: Vec<String>,
}

/// The recipient's values a template uses, when it uses them only as plain values; `None` when
/// its output may depend on the recipient in any other way (then every recipient is rendered in
/// full).
pub fn recipient_slots(src: &str) -> Option<Vec<Slot>> {
    let t = Template::compile(src).ok()?;
    let mut slots = vec![];
    walk(&t, false, &mut slots).then_some(slots)
}

/// `scoped`: inside an `each`/`with` over something other than the recipient, where `this` is
/// that thing and not the top-level context.
fn walk(t: &Template, scoped: bool, slots: &mut Vec<Slot>) -> bool {
    t.elements.iter().all(|e| element(e, scoped, slots))
}

fn element(e: &TemplateElement, scoped: bool, slots: &mut Vec<Slot>) -> bool {
    match e {
        TemplateElement::RawString(_) | TemplateElement::Comment(_) => true,
        TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
            // Inside `each`/`with`, `recipient.x` would be a field of the current item: not
            // the recipient, and not proven anything (the `param` check refuses it).
            if let Some(path) = recipient_path(&h.name).filter(|_| !scoped) {
                // A plain value of the recipient: a slot, if nothing else is in the braces.
                if !h.params.is_empty() || !h.hash.is_empty() || h.template.is_some() {
                    return false;
                }
                let slot = Slot { path };
                if !slots.contains(&slot) {
                    slots.push(slot);
                }
                return true;
            }
            helper(h, scoped, slots)
        }
        TemplateElement::HelperBlock(h) => helper(h, scoped, slots),
        // Partials and decorators can reach any part of the context.
        _ => false,
    }
}

fn helper(h: &handlebars::template::HelperTemplate, scoped: bool, slots: &mut Vec<Slot>) -> bool {
    let params_ok = std::iter::once(&h.name)
        .chain(h.params.iter())
        .chain(h.hash.values())
        .all(|p| param(p, scoped, slots));
    let block_ok = match &h.block_param {
        None => true,
        Some(BlockParam::Single(p)) => param(p, scoped, slots),
        Some(BlockParam::Pair((a, b))) => param(a, scoped, slots) && param(b, scoped, slots),
        Some(_) => false,
    };
    if !params_ok || !block_ok {
        return false;
    }
    // Inside `each`/`with` over a value (already checked not to be the recipient), `this` is
    // that value; inside `if`/`unless`/others it is still the top-level context.
    let inner_scoped = scoped
        || (h.block
            && matches!(&h.name, Parameter::Name(n) if n == "each" || n == "with")
            && h.params
                .first()
                .is_some_and(|p| !matches!(p, Parameter::Literal(_))));
    h.template
        .as_ref()
        .is_none_or(|t| walk(t, inner_scoped, slots))
        && h.inverse.as_ref().is_none_or(|t| walk(t, scoped, slots))
}

/// A parameter (helper name, argument, hash value) that cannot reach the recipient.
fn param(p: &Parameter, scoped: bool, slots: &mut Vec<Slot>) -> bool {
    match p {
        Parameter::Name(n) => n != "recipient" && (scoped || n != "this"),
        Parameter::Literal(_) => true,
        Parameter::Subexpression(s) => match s.element.as_ref() {
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                helper(h, scoped, slots)
            }
            _ => false,
        },
        Parameter::Path(Path::Local(_)) => true,
        Parameter::Path(Path::Relative((_, raw))) => {
            let first = raw.split(['.', '/']).next().unwrap_or("");
            let this = first == "this" || raw.is_empty() || raw.starts_with('.');
            first != "recipient"
                && !first.starts_with('[')
                && !raw.starts_with("@root")
                && !raw.contains("..")
                && (scoped || !this)
        }
        // Whatever a later handlebars adds: not proven safe.
        _ => false,
    }
}

/// The path below `recipient` of a plain `recipient.a.b` reference; `None` for anything else
/// (including `recipient` itself and bracketed or `/` segments).
fn recipient_path(p: &Parameter) -> Option<Vec<String>> {
    let Parameter::Path(Path::Relative((_, raw))) = p else {
        return None;
    };
    let rest = raw.strip_prefix("recipient.")?;
    let segs: Vec<String> = rest.split('.').map(str::to_string).collect();
    segs.iter()
        .all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
        .then_some(segs)
}

/// A template rendered once with markers for the recipient's values.
#[derive(Debug, Clone)]
pub struct Split {
    pieces: Vec<Piece>,
    slots: Vec<Slot>,
    /// Length of the common text.
    len: usize,
    /// How the template's registry escapes `{{…}}` values.
    escape: fn(&str) -> String,
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    /// A slot, and whether this occurrence is escaped.
    Slot(usize, bool),
}

/// A recipient object with a marker in place of each value the slots name.
pub fn marker_recipient(slots: &[Slot]) -> serde_json::Value {
    let mut root = serde_json::Value::Object(Default::default());
    for (i, s) in slots.iter().enumerate() {
        let mut v = &mut root;
        for (k, seg) in s.path.iter().enumerate() {
            let obj = match v {
                serde_json::Value::Object(o) => o,
                // A path through a marker string (`a` and `a.b` both used): not splittable, and
                // `Split::parse` will not find this slot's marker.
                _ => break,
            };
            if k + 1 == s.path.len() {
                obj.insert(seg.clone(), format!("{OPEN}{i}&{CLOSE}").into());
                break;
            }
            v = obj
                .entry(seg.clone())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
        }
    }
    root
}

impl Split {
    /// Cut the once-rendered text at its markers. `None` if they are not well formed. The caller
    /// makes sure that neither the template nor the common context holds a marker character
    /// ([`has_marker`]): a slot in a branch not taken simply does not appear.
    pub fn parse(rendered: &str, slots: &[Slot], escape: fn(&str) -> String) -> Option<Split> {
        let mut pieces = vec![];
        let mut rest = rendered;
        while let Some(i) = rest.find(OPEN) {
            if i > 0 {
                pieces.push(Piece::Text(rest[..i].to_string()));
            }
            let after = &rest[i + OPEN.len_utf8()..];
            let j = after.find(CLOSE)?;
            let mark = &after[..j];
            let (n, escaped) = match mark.strip_suffix("&amp;") {
                Some(n) => (n, true),
                None => (mark.strip_suffix('&')?, false),
            };
            let n: usize = n.parse().ok()?;
            if n >= slots.len() {
                return None;
            }
            pieces.push(Piece::Slot(n, escaped));
            rest = &after[j + CLOSE.len_utf8()..];
        }
        if rest.contains(CLOSE) {
            return None;
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        let len = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len(),
                Piece::Slot(..) => 0,
            })
            .sum();
        Some(Split {
            pieces,
            slots: slots.to_vec(),
            len,
            escape,
        })
    }

    /// The text for one recipient (`recipient` as the templates see it), escaped occurrences
    /// escaped as the registry does. `None` when a value is missing or not a string: render that one in full
    /// (strict mode then names what is missing).
    pub fn fill(&self, recipient: &serde_json::Value) -> Option<String> {
        let mut values: Vec<Option<&str>> = vec![None; self.slots.len()];
        for p in &self.pieces {
            if let Piece::Slot(i, _) = p {
                if values[*i].is_none() {
                    let mut v = recipient;
                    for seg in &self.slots[*i].path {
                        v = v.get(seg)?;
                    }
                    values[*i] = Some(v.as_str()?);
                }
            }
        }
        let mut out = String::with_capacity(self.len + 64);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(i, escaped) => {
                    let v = values[*i].unwrap_or("");
                    if *escaped {
                        out.push_str(&(self.escape)(v));
                    } else {
                        out.push_str(v);
                    }
                }
            }
        }
        Some(out)
    }
}

/// Whether text holds a marker character (then the template is rendered in full).
pub fn has_marker(s: &str) -> bool {
    s.contains([OPEN, CLOSE])
}

/// A value put in as is (the plain-text templates).
pub fn no_escape(s: &str) -> String {
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str) -> Option<Vec<String>> {
        recipient_slots(src).map(|v| v.into_iter().map(|s| s.path.join(".")).collect())
    }

    #[test]
    fn plain_values_of_the_recipient_are_slots() {
        assert_eq!(
            paths("Beste {{recipient.name}}, {{{recipient.extra.klant}}} {{org.name}}"),
            Some(vec!["name".to_string(), "extra.klant".to_string()])
        );
        assert_eq!(paths("no variables"), Some(vec![]));
        // `this` inside `each` over something else is that thing.
        assert_eq!(
            paths("{{#each data}}- {{this}} {{@index}}\n{{/each}}{{recipient.name}}"),
            Some(vec!["name".to_string()])
        );
        // One slot per value, however it is written.
        let s = recipient_slots("{{recipient.name}}{{{recipient.name}}}").unwrap();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn any_other_use_of_the_recipient_is_rendered_in_full() {
        for dependent in [
            "{{#if recipient.name}}x{{/if}}",
            "{{#with recipient}}{{name}}{{/with}}",
            "{{#each recipient.extra}}{{this}}{{/each}}",
            "{{recipient}}",
            "{{this}}",
            "{{#if x}}{{this.recipient.name}}{{/if}}",
            "{{#each this}}{{@key}}{{/each}}",
            "{{lookup this \"recipient\"}}",
            "{{lookup recipient \"name\"}}",
            "{{#each data}}{{../recipient.name}}{{/each}}",
            "{{#each data}}{{@root.recipient.name}}{{/each}}",
            "{{#each data}}{{recipient.name}}{{/each}}",
            "{{> partial}}",
            "{{recipient.name \"x\"}}",
            "{{#if (eq recipient.name \"a\")}}a{{/if}}",
            "{{recipient.[weird key]}}",
            "{{#if x}}",
        ] {
            assert_eq!(paths(dependent), None, "{dependent}");
        }
    }

    fn render(src: &str, ctx: &serde_json::Value, html: bool) -> Result<String, String> {
        let mut h = handlebars::Handlebars::new();
        h.set_strict_mode(true);
        if !html {
            h.register_escape_fn(handlebars::no_escape);
        }
        h.register_template_string("t", src).unwrap();
        h.render("t", ctx).map_err(|e| e.to_string())
    }

    /// The split output equals handlebars' full render for every embedded template that splits,
    /// with values that need escaping, in both escape modes.
    #[test]
    fn filling_gives_exactly_the_full_render() {
        let templates: Vec<(&str, bool)> = vec![
            (include_str!("../../templates/notices/email.nl.txt.hbs"), false),
            (include_str!("../../templates/notices/email.en.txt.hbs"), false),
            (include_str!("../../templates/notices/letter.nl.html.hbs"), true),
            (include_str!("../../templates/notices/letter.en.html.hbs"), true),
            (
                "{{recipient.name}}|{{{recipient.name}}}|{{#each data}}{{this}};{{/each}}{{#if organisation.name}}{{recipient.extra.k}}{{/if}}",
                true,
            ),
        ];
        let org = super::super::ap::OrgPart {
            name: "Gemeente <Oost> & Co".into(),
            contact_email: Some("a@b.nl".into()),
            fg_name: Some("F. \"G\"".into()),
            fg_email: Some("fg@b.nl".into()),
            ..Default::default()
        };
        let input = super::super::ap::DraftInput {
            what_happened: Some("Een brief \"verkeerd\" bezorgd <b>".into()),
            measures: Some("m & n".into()),
            ..Default::default()
        };
        let mut common = serde_json::to_value(super::super::letters::common(
            "nl", &org, "INC-1", None, &input,
        ))
        .unwrap();
        common["data"] = serde_json::json!(["naam", "adres <straat>"]);
        let people = [
            serde_json::json!({"name": "Jan & 'Piet' <b>", "email": "j@x.nl",
                "postal_address": "Laan 2\n1234 CD Oost", "salutation": "Beste Jan & Piet,", "extra": {"k": "1=2`"}}),
            serde_json::json!({"name": "", "email": "", "postal_address": "", "salutation": "", "extra": {"k": ""}}),
            serde_json::json!({"name": "Ünïcode \u{E000}1\u{E001}", "email": "u@x.nl",
                "postal_address": "x", "salutation": "Geachte heer/mevrouw,", "extra": {"k": "v"}}),
        ];
        for (src, html) in templates {
            let slots = recipient_slots(src).expect("the template splits");
            let mut ctx = common.clone();
            ctx["recipient"] = marker_recipient(&slots);
            let once = match render(src, &ctx, html) {
                Ok(s) => s,
                // A letter needs fields this test's context lacks: say which.
                Err(e) => panic!("{e}"),
            };
            let escape: fn(&str) -> String = if html {
                handlebars::html_escape
            } else {
                no_escape
            };
            let split = Split::parse(&once, &slots, escape).expect("markers found");
            for p in &people {
                let mut full = common.clone();
                full["recipient"] = p.clone();
                assert_eq!(
                    split.fill(p).as_deref(),
                    Some(render(src, &full, html).unwrap().as_str())
                );
            }
            // A value that is missing or not a string: rendered in full instead.
            if !slots.is_empty() {
                assert_eq!(split.fill(&serde_json::json!({"extra": {}})), None);
                assert_eq!(
                    split.fill(
                        &serde_json::json!({"name": 5, "postal_address": 1, "extra": {"k": 2}})
                    ),
                    None
                );
            }
        }
    }

    #[test]
    fn markers_in_the_common_text_are_refused() {
        let slots = recipient_slots("{{recipient.name}}").unwrap();
        assert!(Split::parse("a\u{E000}7&\u{E001}b", &slots, no_escape).is_none());
        assert!(Split::parse("a\u{E000}0\u{E001}b", &slots, no_escape).is_none());
        assert!(Split::parse("a\u{E000}0&amp;\u{E001}b", &slots, no_escape).is_some());
        assert!(Split::parse("a\u{E001}b", &slots, no_escape).is_none());
        assert!(Split::parse("a\u{E000}x", &slots, no_escape).is_none());
    }
}

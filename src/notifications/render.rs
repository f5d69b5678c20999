//! The notice templates (`templates/notices/`): embedded in the binary, each optionally replaced per
//! organisation by a file `<override_dir>/<organisation slug>/<file name>`. STRICT mode: a template
//! that uses a variable the context does not have is an error, never an empty gap in a letter.
//! Plain-text templates (the AP draft, e-mails) are not escaped; the letters (HTML) are.
use std::path::Path;

use handlebars::Handlebars;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// (name, file name, is HTML).
pub const TEMPLATES: &[(&str, &str, bool)] = &[
    ("ap_draft", "ap_draft.nl.txt.hbs", false),
    ("email_subject.nl", "email.nl.subject.hbs", false),
    ("email_body.nl", "email.nl.txt.hbs", false),
    ("email_subject.en", "email.en.subject.hbs", false),
    ("email_body.en", "email.en.txt.hbs", false),
    ("letter.nl", "letter.nl.html.hbs", true),
    ("letter.en", "letter.en.html.hbs", true),
    ("ap_print", "ap_print.nl.html.hbs", true),
    ("public_notice.nl", "public_notice.nl.html.hbs", true),
    ("public_notice.en", "public_notice.en.html.hbs", true),
];

/// The print stylesheet (A4) of the AP draft's printable page.
pub const PRINT_CSS: &str = include_str!("../../templates/notices/print.css");

fn embedded(file: &str) -> &'static str {
    match file {
        "ap_draft.nl.txt.hbs" => include_str!("../../templates/notices/ap_draft.nl.txt.hbs"),
        "email.nl.subject.hbs" => include_str!("../../templates/notices/email.nl.subject.hbs"),
        "email.nl.txt.hbs" => include_str!("../../templates/notices/email.nl.txt.hbs"),
        "email.en.subject.hbs" => include_str!("../../templates/notices/email.en.subject.hbs"),
        "email.en.txt.hbs" => include_str!("../../templates/notices/email.en.txt.hbs"),
        "letter.nl.html.hbs" => include_str!("../../templates/notices/letter.nl.html.hbs"),
        "letter.en.html.hbs" => include_str!("../../templates/notices/letter.en.html.hbs"),
        "ap_print.nl.html.hbs" => include_str!("../../templates/notices/ap_print.nl.html.hbs"),
        "public_notice.nl.html.hbs" => {
            include_str!("../../templates/notices/public_notice.nl.html.hbs")
        }
        "public_notice.en.html.hbs" => {
            include_str!("../../templates/notices/public_notice.en.html.hbs")
        }
        _ => "",
    }
}

/// A template that does not parse or does not render, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template}: {message}")]
pub struct TemplateError {
    pub template: String,
    pub message: String,
}

pub struct NoticeTemplates {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
    /// Which templates came from the organisation's directory.
    pub overridden: Vec<String>,
    /// Templates whose output cannot depend on the recipient (see [`recipient_free`]).
    recipient_free: Vec<&'static str>,
    /// Templates that use the recipient only as plain values, with those values
    /// ([`super::split::recipient_slots`]).
    slots: Vec<(&'static str, Vec<super::split::Slot>)>,
}

/// True when every `{{…}}` of a template is a plain path not under `recipient` (no helpers, blocks,
/// partials, `this`, `../` or `@root`): its output is then the same for every recipient and a
/// campaign renders it once. Conservative: anything else counts as recipient-dependent.
pub fn recipient_free(src: &str) -> bool {
    let mut rest = src;
    while let Some(i) = rest.find("{{") {
        if rest[..i].ends_with('\\') {
            return false;
        }
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            return false;
        };
        let inner = after[..j].trim_matches(|c: char| c == '{' || c == '~' || c.is_whitespace());
        let first = inner.split('.').next().unwrap_or("");
        let plain = !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && !inner.starts_with(|c: char| c.is_ascii_digit())
            && !matches!(first, "recipient" | "this" | "");
        if !plain {
            return false;
        }
        rest = after[j + 2..].trim_start_matches('}');
    }
    true
}

impl NoticeTemplates {
    /// The embedded templates only (parsed once per process).
    pub fn embedded() -> &'static NoticeTemplates {
        static T: std::sync::OnceLock<NoticeTemplates> = std::sync::OnceLock::new();
        T.get_or_init(|| NoticeTemplates::load(None, "").expect("embedded notice templates parse"))
    }

    /// The embedded templates with the organisation's overrides, read now from
    /// `<dir>/<slug>/<file>`: a changed file changes the rendered content (and so voids a sign-off).
    pub fn load(dir: Option<&Path>, slug: &str) -> Result<NoticeTemplates, TemplateError> {
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        let mut overridden = vec![];
        let mut free = vec![];
        let mut slots = vec![];
        for (name, file, is_html) in TEMPLATES {
            let mut src = embedded(file).to_string();
            if let Some(d) = dir.filter(|_| !slug.is_empty()) {
                let p = d.join(slug).join(file);
                if p.is_file() {
                    src = std::fs::read_to_string(&p).map_err(|e| TemplateError {
                        template: file.to_string(),
                        message: format!("cannot read the organisation's template: {e}"),
                    })?;
                    overridden.push(file.to_string());
                }
            }
            if recipient_free(&src) {
                free.push(*name);
            }
            if !super::split::has_marker(&src) {
                if let Some(s) = super::split::recipient_slots(&src) {
                    slots.push((*name, s));
                }
            }
            let reg = if *is_html { &mut html } else { &mut text };
            reg.register_template_string(name, src)
                .map_err(|e| TemplateError {
                    template: file.to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(NoticeTemplates {
            text,
            html,
            overridden,
            recipient_free: free,
            slots,
        })
    }

    /// Load for an organisation; the embedded set (no file access) when there is no directory.
    pub fn for_org(dir: Option<&Path>, slug: &str) -> Result<OrgTemplates, TemplateError> {
        match dir {
            Some(d) if d.join(slug).is_dir() => Ok(OrgTemplates::Owned(Box::new(
                NoticeTemplates::load(Some(d), slug)?,
            ))),
            _ => Ok(OrgTemplates::Embedded(NoticeTemplates::embedded())),
        }
    }

    /// Whether the template's output is the same for every recipient ([`recipient_free`]).
    pub fn is_recipient_free(&self, name: &str) -> bool {
        self.recipient_free.contains(&name)
    }

    /// The template rendered once for a campaign with the recipient's values left open, when it
    /// uses the recipient only as plain values and `ctx` (without a recipient) holds no marker
    /// character, and renders; `None` otherwise (render each recipient in full). Fill with
    /// [`super::split::Split::fill`].
    pub fn split(&self, name: &str, ctx: &handlebars::Context) -> Option<super::split::Split> {
        use super::split::{has_marker, marker_recipient, Split};
        let (_, slots) = self.slots.iter().find(|s| s.0 == name)?;
        let mut data = ctx.data().clone();
        data.as_object_mut()?.remove("recipient");
        if has_marker(&data.to_string()) {
            return None;
        }
        data.as_object_mut()?
            .insert("recipient".into(), marker_recipient(slots));
        // A template that does not render is left to the full render, which names the recipient.
        let once = self
            .render_ctx(name, &handlebars::Context::from(data))
            .ok()?;
        let html = TEMPLATES.iter().find(|t| t.0 == name)?.2;
        let escape: fn(&str) -> String = if html {
            handlebars::html_escape
        } else {
            super::split::no_escape
        };
        Split::parse(&once, slots, escape)
    }

    /// Render with a context already in handlebars' form: no serialisation per call (campaigns
    /// keep one context per language and only swap the recipient in it).
    pub fn render_ctx(
        &self,
        name: &str,
        ctx: &handlebars::Context,
    ) -> Result<String, TemplateError> {
        let (file, html) = TEMPLATES
            .iter()
            .find(|t| t.0 == name)
            .map(|t| (t.1, t.2))
            .ok_or_else(|| TemplateError {
                template: name.into(),
                message: "no such template".into(),
            })?;
        let reg = if html { &self.html } else { &self.text };
        reg.render_with_context(name, ctx)
            .map_err(|e| TemplateError {
                template: file.to_string(),
                message: e.to_string(),
            })
    }

    pub fn render<T: Serialize>(&self, name: &str, ctx: &T) -> Result<String, TemplateError> {
        let file = TEMPLATES
            .iter()
            .find(|t| t.0 == name)
            .map(|t| (t.1, t.2))
            .ok_or_else(|| TemplateError {
                template: name.into(),
                message: "no such template".into(),
            })?;
        let reg = if file.1 { &self.html } else { &self.text };
        reg.render(name, ctx).map_err(|e| TemplateError {
            template: file.0.to_string(),
            message: e.to_string(),
        })
    }
}

/// The templates an organisation uses: the shared embedded set, or its own.
pub enum OrgTemplates {
    Embedded(&'static NoticeTemplates),
    Owned(Box<NoticeTemplates>),
}

impl std::ops::Deref for OrgTemplates {
    type Target = NoticeTemplates;
    fn deref(&self) -> &NoticeTemplates {
        match self {
            OrgTemplates::Embedded(t) => t,
            OrgTemplates::Owned(t) => t,
        }
    }
}

/// SHA-256 of content, lower-case hex: what a sign-off binds to.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_templates_parse_and_strict_mode_refuses_unknown_variables() {
        let t = NoticeTemplates::embedded();
        let err = t
            .render("email_subject.nl", &serde_json::json!({"organisation": {}}))
            .unwrap_err();
        assert_eq!(err.template, "email.nl.subject.hbs");
        assert!(err.message.contains("strict"), "{}", err.message);
    }

    #[test]
    fn an_organisations_directory_overrides_one_template() {
        let dir = tempfile_dir();
        std::fs::create_dir_all(dir.join("oost")).unwrap();
        std::fs::write(
            dir.join("oost/email.nl.subject.hbs"),
            "Let op: {{organisation.name}}",
        )
        .unwrap();
        let t = NoticeTemplates::for_org(Some(&dir), "oost").unwrap();
        let ctx =
            serde_json::json!({"organisation": {"name": "Oost"}, "incident": {"reference": "X"}});
        assert_eq!(t.render("email_subject.nl", &ctx).unwrap(), "Let op: Oost");
        assert_eq!(t.overridden, vec!["email.nl.subject.hbs".to_string()]);
        // Another organisation keeps the embedded text.
        let t = NoticeTemplates::for_org(Some(&dir), "west").unwrap();
        assert!(t
            .render("email_subject.nl", &ctx)
            .unwrap()
            .starts_with("Belangrijk"));
        // A template that does not parse is named.
        std::fs::write(dir.join("oost/letter.nl.html.hbs"), "{{#if x}}").unwrap();
        let err = NoticeTemplates::for_org(Some(&dir), "oost").err().unwrap();
        assert_eq!(err.template, "letter.nl.html.hbs");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("meldpunt-notice-{}", crate::db::new_id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn only_plain_paths_outside_recipient_count_as_recipient_free() {
        use super::recipient_free;
        assert!(recipient_free(
            "Let op: {{organisation.name}} ({{ incident.reference }})"
        ));
        assert!(recipient_free("no variables at all"));
        assert!(recipient_free("{{{organisation.name}}}"));
        for dependent in [
            "Beste {{recipient.name}}",
            "{{#if recipient.name}}x{{/if}}",
            "{{#each this}}{{@key}}{{/each}}",
            "{{this}}",
            "{{lookup @root \"recipient\"}}",
            "{{> partial}}",
            "{{../recipient}}",
            "{{@root.recipient.name}}",
            "\\{{organisation.name}}",
            "{{organisation.name",
        ] {
            assert!(!recipient_free(dependent), "{dependent}");
        }
        let t = super::NoticeTemplates::embedded();
        assert!(t.is_recipient_free("email_subject.nl"));
        assert!(t.is_recipient_free("email_subject.en"));
        assert!(!t.is_recipient_free("email_body.nl"));
    }

    /// What a campaign does: split once per language, fill per recipient; the same text as the
    /// full render, for the e-mail body and the (escaping) letter.
    #[test]
    fn a_campaigns_split_fills_to_the_full_render() {
        let t = NoticeTemplates::embedded();
        let org = crate::notifications::ap::OrgPart {
            name: "Gemeente & <Oost>".into(),
            ..Default::default()
        };
        let common =
            crate::notifications::letters::common("nl", &org, "INC-9", None, &Default::default());
        let mut ctx = handlebars::Context::from(serde_json::to_value(&common).unwrap());
        let person = serde_json::json!({"name": "A \"B\" <c>", "email": "a@b.nl",
            "postal_address": "Weg 1 & 2", "salutation": "Beste <A>,", "extra": {}});
        for name in ["email_body.nl", "letter.nl", "letter.en"] {
            let split = t.split(name, &ctx).expect("the embedded template splits");
            ctx.data_mut()
                .as_object_mut()
                .unwrap()
                .insert("recipient".into(), person.clone());
            assert_eq!(
                split.fill(&person).unwrap(),
                t.render_ctx(name, &ctx).unwrap(),
                "{name}"
            );
            ctx.data_mut().as_object_mut().unwrap().remove("recipient");
        }
        // A common context holding a marker character is not split.
        let mut odd = ctx.clone();
        odd.data_mut()["organisation"]["name"] = "\u{E000}0&\u{E001}".into();
        assert!(t.split("email_body.nl", &odd).is_none());
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

//! E-mail templates (handlebars), embedded so the binary works anywhere. Dutch first, English too.
use handlebars::Handlebars;
use serde::Serialize;

pub struct Templates {
    hb: Handlebars<'static>,
}

const EMBEDDED: &[(&str, &str)] = &[
    (
        "shared_part/subject.nl",
        include_str!("../templates/mail/shared_part/subject.nl.hbs"),
    ),
    (
        "shared_part/body.nl",
        include_str!("../templates/mail/shared_part/body.nl.txt.hbs"),
    ),
    (
        "shared_part/subject.en",
        include_str!("../templates/mail/shared_part/subject.en.hbs"),
    ),
    (
        "shared_part/body.en",
        include_str!("../templates/mail/shared_part/body.en.txt.hbs"),
    ),
    (
        "clock_alert/subject.nl",
        include_str!("../templates/mail/clock_alert/subject.nl.hbs"),
    ),
    (
        "clock_alert/body.nl",
        include_str!("../templates/mail/clock_alert/body.nl.txt.hbs"),
    ),
    (
        "clock_alert/subject.en",
        include_str!("../templates/mail/clock_alert/subject.en.hbs"),
    ),
    (
        "clock_alert/body.en",
        include_str!("../templates/mail/clock_alert/body.en.txt.hbs"),
    ),
    (
        "supplement_alert/subject.nl",
        include_str!("../templates/mail/supplement_alert/subject.nl.hbs"),
    ),
    (
        "supplement_alert/body.nl",
        include_str!("../templates/mail/supplement_alert/body.nl.txt.hbs"),
    ),
    (
        "supplement_alert/subject.en",
        include_str!("../templates/mail/supplement_alert/subject.en.hbs"),
    ),
    (
        "supplement_alert/body.en",
        include_str!("../templates/mail/supplement_alert/body.en.txt.hbs"),
    ),
    (
        "report_received/subject.nl",
        include_str!("../templates/mail/report_received/subject.nl.hbs"),
    ),
    (
        "report_received/body.nl",
        include_str!("../templates/mail/report_received/body.nl.txt.hbs"),
    ),
    (
        "report_received/subject.en",
        include_str!("../templates/mail/report_received/subject.en.hbs"),
    ),
    (
        "report_received/body.en",
        include_str!("../templates/mail/report_received/body.en.txt.hbs"),
    ),
    (
        "measure_overdue/subject.nl",
        include_str!("../templates/mail/measure_overdue/subject.nl.hbs"),
    ),
    (
        "measure_overdue/body.nl",
        include_str!("../templates/mail/measure_overdue/body.nl.txt.hbs"),
    ),
    (
        "measure_overdue/subject.en",
        include_str!("../templates/mail/measure_overdue/subject.en.hbs"),
    ),
    (
        "measure_overdue/body.en",
        include_str!("../templates/mail/measure_overdue/body.en.txt.hbs"),
    ),
    (
        "password_reset/subject.nl",
        include_str!("../templates/mail/password_reset/subject.nl.hbs"),
    ),
    (
        "password_reset/body.nl",
        include_str!("../templates/mail/password_reset/body.nl.txt.hbs"),
    ),
    (
        "password_reset/subject.en",
        include_str!("../templates/mail/password_reset/subject.en.hbs"),
    ),
    (
        "password_reset/body.en",
        include_str!("../templates/mail/password_reset/body.en.txt.hbs"),
    ),
    (
        "report_signal/subject.nl",
        include_str!("../templates/mail/report_signal/subject.nl.hbs"),
    ),
    (
        "report_signal/body.nl",
        include_str!("../templates/mail/report_signal/body.nl.txt.hbs"),
    ),
    (
        "report_signal/subject.en",
        include_str!("../templates/mail/report_signal/subject.en.hbs"),
    ),
    (
        "report_signal/body.en",
        include_str!("../templates/mail/report_signal/body.en.txt.hbs"),
    ),
    (
        "processor_supplement/subject.nl",
        include_str!("../templates/mail/processor_supplement/subject.nl.hbs"),
    ),
    (
        "processor_supplement/body.nl",
        include_str!("../templates/mail/processor_supplement/body.nl.txt.hbs"),
    ),
    (
        "processor_supplement/subject.en",
        include_str!("../templates/mail/processor_supplement/subject.en.hbs"),
    ),
    (
        "processor_supplement/body.en",
        include_str!("../templates/mail/processor_supplement/body.en.txt.hbs"),
    ),
    (
        "report_digest/subject.nl",
        include_str!("../templates/mail/report_digest/subject.nl.hbs"),
    ),
    (
        "report_digest/body.nl",
        include_str!("../templates/mail/report_digest/body.nl.txt.hbs"),
    ),
    (
        "report_digest/subject.en",
        include_str!("../templates/mail/report_digest/subject.en.hbs"),
    ),
    (
        "report_digest/body.en",
        include_str!("../templates/mail/report_digest/body.en.txt.hbs"),
    ),
    (
        "signoff_request/subject.nl",
        include_str!("../templates/mail/signoff_request/subject.nl.hbs"),
    ),
    (
        "signoff_request/body.nl",
        include_str!("../templates/mail/signoff_request/body.nl.txt.hbs"),
    ),
    (
        "signoff_request/subject.en",
        include_str!("../templates/mail/signoff_request/subject.en.hbs"),
    ),
    (
        "signoff_request/body.en",
        include_str!("../templates/mail/signoff_request/body.en.txt.hbs"),
    ),
    (
        "draft_rejected/subject.nl",
        include_str!("../templates/mail/draft_rejected/subject.nl.hbs"),
    ),
    (
        "draft_rejected/body.nl",
        include_str!("../templates/mail/draft_rejected/body.nl.txt.hbs"),
    ),
    (
        "draft_rejected/subject.en",
        include_str!("../templates/mail/draft_rejected/subject.en.hbs"),
    ),
    (
        "draft_rejected/body.en",
        include_str!("../templates/mail/draft_rejected/body.en.txt.hbs"),
    ),
    (
        "report_reply/subject.nl",
        include_str!("../templates/mail/report_reply/subject.nl.hbs"),
    ),
    (
        "report_reply/body.nl",
        include_str!("../templates/mail/report_reply/body.nl.txt.hbs"),
    ),
    (
        "report_reply/subject.en",
        include_str!("../templates/mail/report_reply/subject.en.hbs"),
    ),
    (
        "report_reply/body.en",
        include_str!("../templates/mail/report_reply/body.en.txt.hbs"),
    ),
];

/// The process's templates (they are immutable once parsed).
pub fn templates() -> &'static Templates {
    static T: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
    T.get_or_init(Templates::new)
}

impl Templates {
    pub fn new() -> Templates {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        for (name, src) in EMBEDDED {
            hb.register_template_string(name, src)
                .expect("embedded template parses");
        }
        Templates { hb }
    }

    /// Render (subject, text body) of mail `name` in `lang` (falls back to Dutch).
    pub fn render<T: Serialize>(
        &self,
        name: &str,
        lang: &str,
        ctx: &T,
    ) -> anyhow::Result<(String, String)> {
        let lang = if lang == "en" { "en" } else { "nl" };
        let subject = self.hb.render(&format!("{name}/subject.{lang}"), ctx)?;
        let body = self.hb.render(&format!("{name}/body.{lang}"), ctx)?;
        Ok((subject.trim().to_string(), body))
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

//! The rendered letter HTML to PDF blocks, so the PDF says exactly the words of the HTML the FG
//! signed off. Handles the tags our letter templates use: h1–h6, p, ul/ol/li, strong/b, em/i, br,
//! address and div (class "address": the envelope window; class "return-address": the line above
//! it; class "sender": the sender's lines at the top), `dl class="meta"` (the reference column:
//! date, our reference, contact; dt/dd pairs); `head`, `style`, `script` and `title` are skipped. Any other tag is transparent: its text is
//! kept, never dropped. Entities are decoded (named ones handlebars and letters use, and numeric).
use super::{Block, Font, Run};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text,
    Title,
    Heading,
    Small,
    Item(String),
    Address,
    Sender,
    ReturnAddress,
    /// Inside `dl class="meta"`: the letter's reference column.
    Meta,
}

struct Conv {
    blocks: Vec<Block>,
    runs: Vec<Run>,
    kinds: Vec<(String, Kind)>,
    lists: Vec<Option<usize>>,
    /// The reference column's pairs being collected, and the label waiting for its value.
    meta: Vec<(String, String)>,
    label: Option<String>,
    bold: usize,
    italic: usize,
    skip: usize,
}

const BLOCK_TAGS: &[&str] = &[
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "div",
    "address",
    "dt",
    "dd",
    "tr",
    "section",
    "header",
    "footer",
    "blockquote",
    "table",
    "dl",
    "ul",
    "ol",
];

impl Conv {
    fn kind(&self) -> Kind {
        self.kinds.last().map(|k| k.1.clone()).unwrap_or(Kind::Text)
    }

    fn font(&self) -> Font {
        if self.bold > 0 {
            Font::Bold
        } else if self.italic > 0 {
            Font::Oblique
        } else {
            Font::Regular
        }
    }

    fn text(&mut self, t: &str) {
        if self.skip > 0 || t.is_empty() {
            return;
        }
        let font = self.font();
        match self.runs.last_mut() {
            Some(r) if r.font == font => r.text.push_str(t),
            _ => self.runs.push(Run {
                text: t.to_string(),
                font,
            }),
        }
    }

    /// End the text collected so far as a block of the current kind.
    fn flush(&mut self) {
        let kind = self.kind();
        if kind == Kind::Meta {
            let t: String = std::mem::take(&mut self.runs)
                .iter()
                .map(|r| r.text.as_str())
                .collect::<String>();
            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
            if t.is_empty() {
                return;
            }
            match self.kinds.last().map(|k| k.0.as_str()) {
                Some("dt") => self.label = Some(t),
                _ => {
                    let label = self.label.take().unwrap_or_default();
                    self.meta.push((label, t));
                }
            }
            return;
        }
        let pre = matches!(kind, Kind::Address | Kind::Sender);
        let runs = normalise(std::mem::take(&mut self.runs), pre);
        if runs.is_empty() {
            return;
        }
        let lines = || {
            runs.iter()
                .map(|r| r.text.as_str())
                .collect::<String>()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        };
        let plain = || runs.iter().map(|r| r.text.as_str()).collect::<String>();
        let b = match kind {
            Kind::Text => Block::Paragraph(runs.clone()),
            Kind::Title => Block::Title(plain()),
            Kind::Heading => Block::Heading(plain()),
            Kind::Small => Block::Small(runs.clone()),
            Kind::Item(m) => Block::ListItem(m, runs.clone()),
            Kind::Address => Block::Address(lines()),
            Kind::Sender => Block::Sender(lines()),
            Kind::ReturnAddress => Block::ReturnAddress(plain().trim().to_string()),
            Kind::Meta => return,
        };
        self.blocks.push(b);
    }

    fn open(&mut self, name: &str, class: &str) {
        match name {
            "head" | "style" | "script" | "title" => self.skip += 1,
            "strong" | "b" => self.bold += 1,
            "em" | "i" => self.italic += 1,
            "br" => self.text("\u{2028}"),
            "ul" => self.lists.push(None),
            "ol" => self.lists.push(Some(0)),
            _ => {}
        }
        if !BLOCK_TAGS.contains(&name) || self.skip > 0 {
            return;
        }
        self.flush();
        let has = |c: &str| class.split_whitespace().any(|x| x == c);
        let kind = match name {
            "h1" => Kind::Title,
            "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Heading,
            "address" => Kind::Address,
            "li" => {
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{n}.")
                    }
                    _ => "•".to_string(),
                };
                Kind::Item(marker)
            }
            "dl" if has("meta") => Kind::Meta,
            _ if has("return-address") => Kind::ReturnAddress,
            _ if has("address") => Kind::Address,
            _ if has("sender") => Kind::Sender,
            "p" if has("ref") || has("small") => Kind::Small,
            "p" => Kind::Text,
            _ => self.kind(),
        };
        self.kinds.push((name.to_string(), kind));
    }

    fn close(&mut self, name: &str) {
        match name {
            "head" | "style" | "script" | "title" => self.skip = self.skip.saturating_sub(1),
            "strong" | "b" => self.bold = self.bold.saturating_sub(1),
            "em" | "i" => self.italic = self.italic.saturating_sub(1),
            "ul" | "ol" => {
                self.lists.pop();
            }
            _ => {}
        }
        if !BLOCK_TAGS.contains(&name) || self.skip > 0 {
            return;
        }
        self.flush();
        // Close up to the matching element (tolerating unclosed ones such as <li>).
        if let Some(i) = self.kinds.iter().rposition(|k| k.0 == name) {
            let closing_meta =
                self.kinds[i].1 == Kind::Meta && self.kinds[..i].iter().all(|k| k.1 != Kind::Meta);
            self.kinds.truncate(i);
            if closing_meta && !self.meta.is_empty() {
                self.blocks
                    .push(Block::Meta(std::mem::take(&mut self.meta)));
            }
        }
    }
}

/// Collapse white space as HTML does: runs of spaces and newlines become one space, leading and
/// trailing space goes. `<br>` (a `\n` from the converter) stays a line break; in a `pre` block
/// (an address) the source's newlines stay too.
fn normalise(runs: Vec<Run>, pre: bool) -> Vec<Run> {
    let mut out: Vec<Run> = vec![];
    let mut pending_space = false;
    let mut at_line_start = true;
    for r in runs {
        let mut t = String::new();
        for c in r.text.chars() {
            // A <br> reaches here as U+2028; a source newline is white space, except in an
            // address (white-space: pre-line).
            if c == '\u{2028}' || (c == '\n' && pre) {
                t.push('\n');
                pending_space = false;
                at_line_start = true;
            } else if c.is_whitespace() && c != '\u{a0}' {
                if !at_line_start {
                    pending_space = true;
                }
            } else {
                if pending_space {
                    t.push(' ');
                    pending_space = false;
                }
                t.push(c);
                at_line_start = false;
            }
        }
        if !t.is_empty() {
            match out.last_mut() {
                Some(l) if l.font == r.font => l.text.push_str(&t),
                _ => out.push(Run {
                    text: t,
                    font: r.font,
                }),
            }
        }
    }
    // No trailing line breaks.
    while let Some(l) = out.last_mut() {
        let trimmed = l.text.trim_end_matches('\n').to_string();
        if trimmed.is_empty() {
            out.pop();
        } else {
            l.text = trimmed;
            break;
        }
    }
    out
}

fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| c == ';' || c == '&' || c.is_whitespace() || c == '<')
            .map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest.as_bytes()[e] == b';' => entity(&rest[1..e]).map(|c| (c, e + 1)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(n) = name.strip_prefix('#') {
        let v = match n.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => n.parse().ok()?,
        };
        return char::from_u32(v);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "euro" => '€',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "eacute" => 'é',
        "euml" => 'ë',
        "iuml" => 'ï',
        "ouml" => 'ö',
        "uuml" => 'ü',
        _ => return None,
    })
}

/// The class attribute of a tag's source (`div class="address x"` → `address x`).
fn class_of(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    let Some(i) = lower.find("class=") else {
        return String::new();
    };
    let v = &tag[i + 6..];
    let (q, v) = match v.chars().next() {
        Some(q @ ('"' | '\'')) => (Some(q), &v[1..]),
        _ => (None, v),
    };
    let end = match q {
        Some(q) => v.find(q),
        None => v.find(|c: char| c.is_whitespace() || c == '>' || c == '/'),
    }
    .unwrap_or(v.len());
    v[..end].to_string()
}

/// The letter's blocks.
pub fn to_blocks(html: &str) -> Vec<Block> {
    let mut c = Conv {
        blocks: vec![],
        runs: vec![],
        kinds: vec![],
        lists: vec![],
        meta: vec![],
        label: None,
        bold: 0,
        italic: 0,
        skip: 0,
    };
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            c.text(&decode(rest));
            break;
        };
        c.text(&decode(&rest[..lt]));
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map(|e| &r[e + 3..]).unwrap_or("");
            continue;
        }
        // The tag runs to the first '>' outside quotes.
        let mut quote = None;
        let mut end = None;
        for (i, ch) in rest.char_indices().skip(1) {
            match (quote, ch) {
                (None, '"' | '\'') => quote = Some(ch),
                (Some(q), _) if q == ch => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            // Not a tag after all: keep the text.
            c.text(&decode(rest));
            break;
        };
        let after_lt = &rest[1..];
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let (closing, body) = match tag.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, tag),
        };
        let name: String = body
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // A '<' that starts no tag is text.
            c.text("<");
            rest = after_lt;
            continue;
        }
        if closing {
            c.close(&name);
        } else {
            c.open(&name, &class_of(body));
            if name == "br" {
                continue;
            }
            if body.ends_with('/') {
                c.close(&name);
            }
        }
    }
    c.flush();
    c.blocks
}

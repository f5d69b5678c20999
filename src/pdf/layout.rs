//! Blocks to pages: greedy word wrap with the font's own widths, page breaks, a heading never alone
//! at the foot of a page, the letter's fixed parts (sender, return address, address in the window,
//! the reference column beside it), and the structure (tags) every line belongs to.
//!
//! The window envelope (NEN 5008, the Dutch form of DIN 5008 "Form B", for the window envelopes
//! EA5/6 and DL: A4 folded in three): the window sits [`WINDOW_LEFT`] mm from the left edge and
//! [`WINDOW_TOP`] mm from the top, [`WINDOW_WIDTH`] × [`WINDOW_HEIGHT`] mm. The return address
//! runs small on the window's first line; the address starts under it, 5 mm in from the window's
//! edges, at most [`ADDRESS_MAX_LINES`] lines of at most [`ADDRESS_WIDTH`] mm. The HTML letter takes
//! the same figures ([`letter_css`]).
use super::fonts::{prepare, text_width};
use super::model::{mm, Block, Font, Run, A4_HEIGHT, A4_WIDTH};

pub const LEFT: f32 = 25.0;
pub const RIGHT: f32 = 20.0;
pub const TOP: f32 = 20.0;
pub const BOTTOM: f32 = 22.0;
pub const BODY: f32 = 10.0;
pub const SMALL: f32 = 8.0;
pub const TINY: f32 = 6.5;
pub const LEADING: f32 = 1.3;
const KEY_COLUMN: f32 = 45.0;

/// The envelope window (mm).
pub const WINDOW_LEFT: f32 = 20.0;
pub const WINDOW_TOP: f32 = 45.0;
pub const WINDOW_WIDTH: f32 = 90.0;
pub const WINDOW_HEIGHT: f32 = 45.0;
/// The address inside the window: 5 mm in, under the return address line.
pub const ADDRESS_LEFT: f32 = WINDOW_LEFT + 5.0;
pub const RETURN_TOP: f32 = WINDOW_TOP + 5.0;
pub const ADDRESS_TOP: f32 = WINDOW_TOP + 11.0;
pub const ADDRESS_WIDTH: f32 = WINDOW_WIDTH - 10.0;
pub const ADDRESS_MAX_LINES: usize = 6;
/// The reference column (date, our reference, contact) right of the window.
pub const META_LEFT: f32 = 125.0;
/// Where the letter's text starts: under the window.
pub const TEXT_TOP: f32 = WINDOW_TOP + WINDOW_HEIGHT + 5.0;

/// Why an address does not fit the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressProblem {
    /// No lines at all.
    Empty,
    /// More than [`ADDRESS_MAX_LINES`] lines (the index is the first line too many).
    TooManyLines,
    /// The line is wider than the window allows; the figure is its width in mm (rounded up).
    TooWide(u32),
    /// The font has no glyph for this character.
    Unprintable(char),
}

impl AddressProblem {
    /// The problem in Dutch, for the import's error list ("regel 3, adresregel 2: …").
    pub fn message_nl(&self) -> String {
        match self {
            AddressProblem::Empty => "het adres is leeg".into(),
            AddressProblem::TooManyLines => format!(
                "het adres heeft meer dan {ADDRESS_MAX_LINES} regels en past niet in het venster van de envelop"
            ),
            AddressProblem::TooWide(w) => format!(
                "deze adresregel is {w} mm breed; in het venster passen {} mm",
                ADDRESS_WIDTH as u32
            ),
            AddressProblem::Unprintable(c) => {
                format!("het teken ‘{c}’ (U+{:04X}) kan niet worden afgedrukt", *c as u32)
            }
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            AddressProblem::Empty => "the address is empty".into(),
            AddressProblem::TooManyLines => format!(
                "the address has more than {ADDRESS_MAX_LINES} lines and does not fit the envelope window"
            ),
            AddressProblem::TooWide(w) => format!(
                "this address line is {w} mm wide; the window takes {} mm",
                ADDRESS_WIDTH as u32
            ),
            AddressProblem::Unprintable(c) => {
                format!("the character ‘{c}’ (U+{:04X}) cannot be printed", *c as u32)
            }
        }
    }
}

/// Whether the address lines (the name line first) fit the envelope window: at most
/// [`ADDRESS_MAX_LINES`] non-empty lines, each at most [`ADDRESS_WIDTH`] mm wide in the letter's
/// font and size, every character printable. Empty lines are ignored, as in the letter. On the
/// first problem: the 0-based index of the line (among the given lines) and what is wrong.
/// Pure; the recipients import calls it with the line number of the file for its message.
pub fn address_fits<S: AsRef<str>>(lines: &[S]) -> Result<(), (usize, AddressProblem)> {
    let mut n = 0;
    for (i, l) in lines.iter().enumerate() {
        let t = prepare(l.as_ref());
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        n += 1;
        if n > ADDRESS_MAX_LINES {
            return Err((i, AddressProblem::TooManyLines));
        }
        let f = super::fonts::face(Font::Regular);
        if let Some(c) = t.chars().find(|c| !c.is_whitespace() && !f.covers(*c)) {
            return Err((i, AddressProblem::Unprintable(c)));
        }
        let w = text_width(Font::Regular, t, BODY);
        if w > mm(ADDRESS_WIDTH) {
            return Err((i, AddressProblem::TooWide((w / mm(1.0)).ceil() as u32)));
        }
    }
    if n == 0 {
        return Err((0, AddressProblem::Empty));
    }
    Ok(())
}

/// The print CSS of the HTML letter with the same window and margins as the PDF.
pub fn letter_css() -> String {
    format!(
        "@page {{ size: A4; margin: 0; }}\n\
         body {{ margin: 0; font-family: \"DejaVu Sans\", Verdana, sans-serif; font-size: {BODY}pt; line-height: {LEADING}; color: #000; }}\n\
         .sheet {{ position: relative; width: 210mm; min-height: 297mm; box-sizing: border-box; padding: {TEXT_TOP}mm {RIGHT}mm {BOTTOM}mm {LEFT}mm; }}\n\
         .sender {{ position: absolute; top: {TOP}mm; right: {RIGHT}mm; text-align: right; font-size: {SMALL}pt; }}\n\
         .return-address {{ position: absolute; top: {RETURN_TOP}mm; left: {ADDRESS_LEFT}mm; width: {ADDRESS_WIDTH}mm; font-size: {TINY}pt; text-decoration: underline; white-space: nowrap; overflow: hidden; }}\n\
         .address {{ position: absolute; top: {ADDRESS_TOP}mm; left: {ADDRESS_LEFT}mm; width: {ADDRESS_WIDTH}mm; max-height: {}mm; overflow: hidden; white-space: pre-line; }}\n\
         .meta {{ position: absolute; top: {WINDOW_TOP}mm; left: {META_LEFT}mm; right: {RIGHT}mm; font-size: {SMALL}pt; margin: 0; }}\n\
         .meta dt {{ font-weight: bold; }} .meta dd {{ margin: 0 0 1mm 0; }}\n\
         h1 {{ font-size: 12pt; margin: 0 0 3mm; }} h2 {{ font-size: 10.5pt; margin: 3mm 0 0.5mm; }}\n\
         p {{ margin: 0 0 1.5mm; }} ul {{ margin: 0 0 1.5mm; padding-left: 7mm; }}\n\
         .signature {{ margin-top: 4mm; }}\n\
         @media screen {{ body {{ background: #eee; }} .sheet {{ background: #fff; margin: 0 auto; max-width: 100%; }} }}\n\
         @media screen and (max-width: 209mm) {{ .sheet {{ width: auto; min-height: 0; padding: 4mm; }} \
         .sender, .return-address, .address, .meta {{ position: static; width: auto; max-height: none; margin: 0 0 3mm; text-align: left; }} \
         .return-address {{ white-space: normal; }} .meta dd {{ overflow-wrap: anywhere; }} }}\n",
        WINDOW_HEIGHT - (ADDRESS_TOP - WINDOW_TOP)
    )
}

/// The structure role of a tagged element (PDF 1.7 standard structure types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    H1,
    H2,
    P,
    L,
    LI,
    Lbl,
    LBody,
    Table,
    TR,
    TH,
    TD,
    /// A group of lines that belong together (the letter's address, the reference column).
    Div,
}

impl Role {
    pub fn name(self) -> &'static [u8] {
        match self {
            Role::H1 => b"H1",
            Role::H2 => b"H2",
            Role::P => b"P",
            Role::L => b"L",
            Role::LI => b"LI",
            Role::Lbl => b"Lbl",
            Role::LBody => b"LBody",
            Role::Table => b"Table",
            Role::TR => b"TR",
            Role::TH => b"TH",
            Role::TD => b"TD",
            Role::Div => b"Div",
        }
    }
}

/// One structure element of a document; its parent is an earlier element or (None) the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Elem {
    pub role: Role,
    pub parent: Option<usize>,
}

/// One line of text placed on a page: its segments, each in one font, and the structure element
/// (index into [`Laid::elems`]) it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    /// Baseline, from the bottom of the page.
    pub y: f32,
    pub size: f32,
    pub segments: Vec<(Font, String)>,
    pub elem: usize,
}

impl Line {
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.1.as_str()).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
}

/// A laid-out document: its pages and its structure.
#[derive(Debug, Clone, Default)]
pub struct Laid {
    pub pages: Vec<Page>,
    pub elems: Vec<Elem>,
}

impl Laid {
    pub fn len(&self) -> usize {
        self.pages.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

struct Flow {
    pages: Vec<Page>,
    page: Page,
    /// Distance of the next line's top from the top of the page, in points.
    y: f32,
    /// Nothing but fixed blocks (address, sender) on this page yet.
    fresh: bool,
    elems: Vec<Elem>,
}

impl Flow {
    fn bottom() -> f32 {
        A4_HEIGHT - mm(BOTTOM)
    }

    fn elem(&mut self, role: Role, parent: Option<usize>) -> usize {
        self.elems.push(Elem { role, parent });
        self.elems.len() - 1
    }

    fn new_page(&mut self) {
        let p = std::mem::take(&mut self.page);
        self.pages.push(p);
        self.y = mm(TOP);
        self.fresh = true;
    }

    /// Room for `h` points more, or a new page.
    fn need(&mut self, h: f32) {
        if self.y + h > Flow::bottom() && !self.fresh {
            self.new_page();
        }
    }

    fn space(&mut self, h: f32) {
        if !self.fresh {
            self.y += h;
        }
    }

    /// Place wrapped lines at `x`, breaking pages between lines.
    fn lines(&mut self, x: f32, size: f32, lines: Vec<Vec<(Font, String)>>, elem: usize) {
        let lh = size * LEADING;
        for segs in lines {
            self.need(lh);
            self.y += lh;
            self.fresh = false;
            self.page.lines.push(Line {
                x,
                y: A4_HEIGHT - self.y + size * 0.3,
                size,
                segments: segs,
                elem,
            });
        }
    }

    /// Lines at a fixed place on the current page (from `top` points below the top edge).
    fn fixed(
        &mut self,
        x: f32,
        top: f32,
        size: f32,
        lines: Vec<Vec<(Font, String)>>,
        elem: usize,
    ) -> f32 {
        let mut y = top;
        for segs in lines {
            y += size * LEADING;
            self.page.lines.push(Line {
                x,
                y: A4_HEIGHT - y + size * 0.3,
                size,
                segments: segs,
                elem,
            });
        }
        y
    }
}

enum Tok {
    Word(Font, String),
    Space,
    Break,
}

fn tokens(runs: &[Run]) -> Vec<Tok> {
    let mut out = vec![];
    for r in runs {
        let text = prepare(&r.text);
        let mut word = String::new();
        for c in text.chars() {
            match c {
                ' ' => {
                    if !word.is_empty() {
                        out.push(Tok::Word(r.font, std::mem::take(&mut word)));
                    }
                    out.push(Tok::Space);
                }
                '\n' | '\u{2028}' => {
                    if !word.is_empty() {
                        out.push(Tok::Word(r.font, std::mem::take(&mut word)));
                    }
                    out.push(Tok::Break);
                }
                _ => word.push(c),
            }
        }
        if !word.is_empty() {
            out.push(Tok::Word(r.font, word));
        }
    }
    out
}

type Segs = Vec<(Font, String)>;

fn push_seg(line: &mut Segs, f: Font, t: &str) {
    match line.last_mut() {
        Some((lf, lt)) if *lf == f => lt.push_str(t),
        _ => line.push((f, t.to_string())),
    }
}

/// Greedy word wrap of `runs` into lines no wider than `width` points at `size`. Words in
/// adjacent runs without a space between them stay together; a word wider than the line is cut.
pub fn wrap(runs: &[Run], width: f32, size: f32) -> Vec<Segs> {
    let space = text_width(Font::Regular, " ", size);
    let mut lines: Vec<Segs> = vec![];
    let mut line: Segs = vec![];
    let mut x = 0.0f32;
    // The group of glued words being collected, and whether a space precedes it.
    let mut group: Segs = vec![];
    let mut spaced = false;

    let flush =
        |group: &mut Segs, spaced: bool, line: &mut Segs, lines: &mut Vec<Segs>, x: &mut f32| {
            if group.is_empty() {
                return;
            }
            let gw: f32 = group.iter().map(|(f, t)| text_width(*f, t, size)).sum();
            let lead = if line.is_empty() || !spaced {
                0.0
            } else {
                space
            };
            if !line.is_empty() && *x + lead + gw > width {
                lines.push(std::mem::take(line));
                *x = 0.0;
            } else if lead > 0.0 {
                let f = line.last().map(|s| s.0).unwrap_or(Font::Regular);
                push_seg(line, f, " ");
                *x += lead;
            }
            for (f, t) in group.drain(..) {
                let w = text_width(f, &t, size);
                if *x + w <= width {
                    push_seg(line, f, &t);
                    *x += w;
                    continue;
                }
                // Too wide for what is left: cut it character by character.
                let mut buf = [0u8; 4];
                for c in t.chars() {
                    let s = c.encode_utf8(&mut buf);
                    let cw = text_width(f, s, size);
                    if *x + cw > width && !line.is_empty() {
                        lines.push(std::mem::take(line));
                        *x = 0.0;
                    }
                    push_seg(line, f, s);
                    *x += cw;
                }
            }
        };

    for t in tokens(runs) {
        match t {
            Tok::Word(f, w) => group.push((f, w)),
            Tok::Space => {
                flush(&mut group, spaced, &mut line, &mut lines, &mut x);
                spaced = true;
            }
            Tok::Break => {
                flush(&mut group, spaced, &mut line, &mut lines, &mut x);
                lines.push(std::mem::take(&mut line));
                x = 0.0;
                spaced = false;
            }
        }
    }
    flush(&mut group, spaced, &mut line, &mut lines, &mut x);
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn plain_lines(lines: &[String], font: Font) -> Vec<Segs> {
    lines
        .iter()
        .map(|l| vec![(font, prepare(l).trim().to_string())])
        .filter(|l| !l[0].1.is_empty())
        .collect()
}

/// Lay the blocks out on A4 pages (at least one page).
pub fn layout(blocks: &[Block]) -> Laid {
    let mut f = Flow {
        pages: vec![],
        page: Page::default(),
        y: mm(TOP),
        fresh: true,
        elems: vec![],
    };
    let left = mm(LEFT);
    let width = A4_WIDTH - mm(LEFT) - mm(RIGHT);
    // The open list or table, continued by the next item or row.
    let mut list: Option<usize> = None;
    let mut table: Option<usize> = None;
    for b in blocks {
        if !matches!(b, Block::ListItem(..)) {
            list = None;
        }
        if !matches!(b, Block::KeyValue(..)) {
            table = None;
        }
        match b {
            Block::Title(t) => {
                f.space(BODY);
                let e = f.elem(Role::H1, None);
                let lines = wrap(&[Run::bold(t.clone())], width, 13.0);
                f.need(13.0 * LEADING * 3.0);
                f.lines(left, 13.0, lines, e);
                f.y += 3.0;
            }
            Block::Heading(t) => {
                f.space(BODY * 0.7);
                let e = f.elem(Role::H2, None);
                let lines = wrap(&[Run::bold(t.clone())], width, 11.0);
                // A heading keeps at least two lines of what follows with it.
                let h = lines.len() as f32 * 11.0 * LEADING + 2.0 * BODY * LEADING;
                f.need(h);
                f.lines(left, 11.0, lines, e);
                f.y += 1.0;
            }
            Block::Paragraph(runs) => {
                f.space(BODY * 0.4);
                let e = f.elem(Role::P, None);
                f.lines(left, BODY, wrap(runs, width, BODY), e);
            }
            Block::Indented(runs) => {
                let e = f.elem(Role::P, None);
                f.lines(left + mm(10.0), BODY, wrap(runs, width - mm(10.0), BODY), e);
            }
            Block::Small(runs) => {
                let e = f.elem(Role::P, None);
                f.lines(left, SMALL, wrap(runs, width, SMALL), e);
            }
            Block::ListItem(marker, runs) => {
                f.space(BODY * 0.15);
                let l = *list.get_or_insert_with(|| f.elem(Role::L, None));
                let li = f.elem(Role::LI, Some(l));
                let lbl = f.elem(Role::Lbl, Some(li));
                let body = f.elem(Role::LBody, Some(li));
                let lines = wrap(runs, width - mm(7.0), BODY);
                // The marker goes on the item's first line: keep that line and the marker together.
                f.need(BODY * LEADING);
                let y = A4_HEIGHT - (f.y + BODY * LEADING) + BODY * 0.3;
                f.page.lines.push(Line {
                    x: left + mm(2.0),
                    y,
                    size: BODY,
                    segments: vec![(Font::Regular, prepare(marker))],
                    elem: lbl,
                });
                f.lines(left + mm(7.0), BODY, lines, body);
            }
            Block::KeyValue(k, v) => {
                let t = *table.get_or_insert_with(|| f.elem(Role::Table, None));
                let tr = f.elem(Role::TR, Some(t));
                let th = f.elem(Role::TH, Some(tr));
                let td = f.elem(Role::TD, Some(tr));
                let kw = mm(KEY_COLUMN);
                let kl = wrap(&[Run::bold(k.clone())], kw - mm(3.0), BODY);
                let vl = wrap(v, width - kw, BODY);
                let n = kl.len().max(vl.len()).max(1);
                let h = n as f32 * BODY * LEADING;
                f.need(h);
                if f.y + h <= Flow::bottom() {
                    let top = f.y;
                    f.lines(left, BODY, kl, th);
                    f.y = top;
                    f.lines(left + kw, BODY, vl, td);
                    f.y = top + h;
                } else {
                    // Longer than a page: the key above its value.
                    f.lines(left, BODY, kl, th);
                    f.lines(left + kw, BODY, vl, td);
                }
            }
            Block::ReturnAddress(t) => {
                let e = f.elem(Role::P, None);
                let mut lines = wrap(&[Run::plain(t.clone())], mm(ADDRESS_WIDTH), TINY);
                lines.truncate(1);
                f.fixed(mm(ADDRESS_LEFT), mm(RETURN_TOP), TINY, lines, e);
                f.fresh = false;
            }
            Block::Address(lines) => {
                let e = f.elem(Role::Div, None);
                let mut ls = plain_lines(lines, Font::Regular);
                ls.truncate(ADDRESS_MAX_LINES);
                f.fixed(mm(ADDRESS_LEFT), mm(ADDRESS_TOP), BODY, ls, e);
                // The text continues under the window at the earliest.
                f.y = f.y.max(mm(TEXT_TOP));
                f.fresh = false;
            }
            Block::Meta(pairs) => {
                let e = f.elem(Role::Div, None);
                let w = A4_WIDTH - mm(RIGHT) - mm(META_LEFT);
                let mut top = mm(WINDOW_TOP);
                for (k, v) in pairs {
                    let p = f.elem(Role::P, Some(e));
                    let mut ls = wrap(&[Run::bold(k.clone())], w, SMALL);
                    ls.extend(wrap(&[Run::plain(v.clone())], w, SMALL));
                    top = f.fixed(mm(META_LEFT), top, SMALL, ls, p) + SMALL * 0.5;
                }
                f.y = f.y.max(top + SMALL);
                f.fresh = false;
            }
            Block::Sender(lines) => {
                let e = f.elem(Role::P, None);
                let mut y = mm(TOP);
                for (i, l) in lines.iter().enumerate() {
                    let t = prepare(l).trim().to_string();
                    if t.is_empty() {
                        continue;
                    }
                    let font = if i == 0 { Font::Bold } else { Font::Regular };
                    let size = if i == 0 { BODY } else { SMALL };
                    y += size * LEADING;
                    let x = A4_WIDTH - mm(RIGHT) - text_width(font, &t, size);
                    f.page.lines.push(Line {
                        x: x.max(left),
                        y: A4_HEIGHT - y + size * 0.3,
                        size,
                        segments: vec![(font, t)],
                        elem: e,
                    });
                }
                f.y = f.y.max(y + SMALL);
            }
            Block::Space(h) => f.space(*h),
            Block::PageBreak => {
                if !f.fresh || !f.page.lines.is_empty() {
                    f.new_page();
                }
            }
        }
    }
    f.pages.push(f.page);
    Laid {
        pages: f.pages,
        elems: f.elems,
    }
}

//! Blocks to pages: greedy word wrap with the Helvetica widths, page breaks, a heading never alone
//! at the foot of a page.
use std::io::Write;

use super::metrics::{encode, text_width};
use super::{mm, Block, Font, Run, A4_HEIGHT, A4_WIDTH};

const LEFT: f32 = 25.0;
const RIGHT: f32 = 20.0;
const TOP: f32 = 20.0;
const BOTTOM: f32 = 25.0;
const BODY: f32 = 10.5;
const SMALL: f32 = 8.5;
const LEADING: f32 = 1.35;
const KEY_COLUMN: f32 = 45.0;

/// One line of text placed on a page: its segments, each in one font, already in WinAnsi.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    /// Baseline, from the bottom of the page.
    pub y: f32,
    pub size: f32,
    pub segments: Vec<(Font, Vec<u8>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
}

impl Page {
    /// The page's content stream (without the footer).
    pub fn content(&self) -> Vec<u8> {
        let mut o = Vec::with_capacity(self.lines.len() * 80);
        for l in &self.lines {
            let _ = write!(o, "BT {:.2} {:.2} Td", l.x, l.y);
            let mut font = None;
            for (f, text) in &l.segments {
                if font != Some(*f) {
                    let _ = write!(o, " /{} {} Tf", f.resource(), l.size);
                    font = Some(*f);
                }
                o.extend_from_slice(b" (");
                escape(&mut o, text);
                o.extend_from_slice(b") Tj");
            }
            o.extend_from_slice(b" ET\n");
        }
        o
    }
}

fn escape(o: &mut Vec<u8>, text: &[u8]) {
    for b in text {
        match b {
            b'(' | b')' | b'\\' => {
                o.push(b'\\');
                o.push(*b);
            }
            _ => o.push(*b),
        }
    }
}

/// The footer line: the reference on the left, "pagina N van M" on the right.
pub fn footer(o: &mut Vec<u8>, reference: &str, label: &str) {
    let y = mm(12.0);
    let r = encode(reference);
    let l = encode(label);
    let _ = write!(o, "BT /F1 {SMALL} Tf {:.2} {y:.2} Td (", mm(LEFT));
    escape(o, &r);
    o.extend_from_slice(b") Tj ET\n");
    let x = A4_WIDTH - mm(RIGHT) - text_width(false, &l, SMALL);
    let _ = write!(o, "BT /F1 {SMALL} Tf {x:.2} {y:.2} Td (");
    escape(o, &l);
    o.extend_from_slice(b") Tj ET\n");
}

struct Flow {
    pages: Vec<Page>,
    page: Page,
    /// Distance of the next line's top from the top of the page, in points.
    y: f32,
    /// Nothing but fixed blocks (address, sender) on this page yet.
    fresh: bool,
}

impl Flow {
    fn bottom() -> f32 {
        A4_HEIGHT - mm(BOTTOM)
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

    /// Place wrapped lines at `x`, breaking pages between lines. Returns where the first line
    /// went: (index of its page, index of the line on that page).
    fn lines(
        &mut self,
        x: f32,
        size: f32,
        lines: Vec<Vec<(Font, Vec<u8>)>>,
    ) -> Option<(usize, usize)> {
        let lh = size * LEADING;
        let mut first = None;
        for segs in lines {
            self.need(lh);
            first.get_or_insert((self.pages.len(), self.page.lines.len()));
            self.y += lh;
            self.fresh = false;
            self.page.lines.push(Line {
                x,
                y: A4_HEIGHT - self.y + size * 0.3,
                size,
                segments: segs,
            });
        }
        first
    }
}

enum Tok {
    Word(Font, Vec<u8>),
    Space,
    Break,
}

fn tokens(runs: &[Run]) -> Vec<Tok> {
    let mut out = vec![];
    for r in runs {
        let text = encode(&r.text.replace("\r\n", "\n"));
        let mut word = vec![];
        for b in text {
            match b {
                b' ' | b'\r' => {
                    if !word.is_empty() {
                        out.push(Tok::Word(r.font, std::mem::take(&mut word)));
                    }
                    out.push(Tok::Space);
                }
                b'\n' => {
                    if !word.is_empty() {
                        out.push(Tok::Word(r.font, std::mem::take(&mut word)));
                    }
                    out.push(Tok::Break);
                }
                _ => word.push(b),
            }
        }
        if !word.is_empty() {
            out.push(Tok::Word(r.font, word));
        }
    }
    out
}

/// Greedy word wrap of `runs` into lines no wider than `width` points at `size`. Words in
/// adjacent runs without a space between them stay together; a word wider than the line is cut.
pub fn wrap(runs: &[Run], width: f32, size: f32) -> Vec<Vec<(Font, Vec<u8>)>> {
    let space = text_width(false, b" ", size);
    let mut lines: Vec<Vec<(Font, Vec<u8>)>> = vec![];
    let mut line: Vec<(Font, Vec<u8>)> = vec![];
    let mut x = 0.0f32;
    // The group of glued words being collected, and whether a space precedes it.
    let mut group: Vec<(Font, Vec<u8>)> = vec![];
    let mut spaced = false;

    fn push_seg(line: &mut Vec<(Font, Vec<u8>)>, f: Font, t: &[u8]) {
        match line.last_mut() {
            Some((lf, lt)) if *lf == f => lt.extend_from_slice(t),
            _ => line.push((f, t.to_vec())),
        }
    }

    let flush = |group: &mut Vec<(Font, Vec<u8>)>,
                 spaced: bool,
                 line: &mut Vec<(Font, Vec<u8>)>,
                 lines: &mut Vec<Vec<(Font, Vec<u8>)>>,
                 x: &mut f32| {
        if group.is_empty() {
            return;
        }
        let gw: f32 = group
            .iter()
            .map(|(f, t)| text_width(f.is_bold(), t, size))
            .sum();
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
            push_seg(line, f, b" ");
            *x += lead;
        }
        for (f, t) in group.drain(..) {
            let w = text_width(f.is_bold(), &t, size);
            if *x + w <= width {
                push_seg(line, f, &t);
                *x += w;
                continue;
            }
            // Too wide for what is left: cut it character by character.
            for b in t {
                let cw = text_width(f.is_bold(), &[b], size);
                if *x + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(line));
                    *x = 0.0;
                }
                push_seg(line, f, &[b]);
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

/// Lay the blocks out on A4 pages (at least one page).
pub fn layout(blocks: &[Block]) -> Vec<Page> {
    let mut f = Flow {
        pages: vec![],
        page: Page::default(),
        y: mm(TOP),
        fresh: true,
    };
    let left = mm(LEFT);
    let width = A4_WIDTH - mm(LEFT) - mm(RIGHT);
    for b in blocks {
        match b {
            Block::Title(t) => {
                f.space(BODY);
                let lines = wrap(&[Run::bold(t.clone())], width, 15.0);
                f.need(15.0 * LEADING * 3.0);
                f.lines(left, 15.0, lines);
                f.y += 4.0;
            }
            Block::Heading(t) => {
                f.space(BODY * 0.8);
                let lines = wrap(&[Run::bold(t.clone())], width, 12.0);
                // A heading keeps at least two lines of what follows with it.
                let h = lines.len() as f32 * 12.0 * LEADING + 2.0 * BODY * LEADING;
                f.need(h);
                f.lines(left, 12.0, lines);
                f.y += 2.0;
            }
            Block::Paragraph(runs) => {
                f.space(BODY * 0.45);
                f.lines(left, BODY, wrap(runs, width, BODY));
            }
            Block::Indented(runs) => {
                f.lines(left + mm(10.0), BODY, wrap(runs, width - mm(10.0), BODY));
            }
            Block::Small(runs) => {
                f.lines(left, SMALL, wrap(runs, width, SMALL));
            }
            Block::ListItem(marker, runs) => {
                f.space(BODY * 0.2);
                let at = f.lines(left + mm(7.0), BODY, wrap(runs, width - mm(7.0), BODY));
                // The marker goes on the item's first line, wherever that landed.
                if let Some((page, idx)) = at {
                    let p = f.pages.get_mut(page).unwrap_or(&mut f.page);
                    let y = p.lines[idx].y;
                    p.lines.push(Line {
                        x: left + mm(2.0),
                        y,
                        size: BODY,
                        segments: vec![(Font::Regular, encode(marker))],
                    });
                }
            }
            Block::KeyValue(k, v) => {
                let kw = mm(KEY_COLUMN);
                let kl = wrap(&[Run::bold(k.clone())], kw - mm(3.0), BODY);
                let vl = wrap(v, width - kw, BODY);
                let n = kl.len().max(vl.len()).max(1);
                let h = n as f32 * BODY * LEADING;
                f.need(h);
                if f.y + h <= Flow::bottom() {
                    let top = f.y;
                    f.lines(left, BODY, kl);
                    f.y = top;
                    f.lines(left + kw, BODY, vl);
                    f.y = top + h;
                } else {
                    // Longer than a page: the key above its value.
                    f.lines(left, BODY, kl);
                    f.lines(left + kw, BODY, vl);
                }
            }
            Block::Address(lines) => {
                let mut y = mm(50.0);
                for l in lines {
                    y += BODY * LEADING;
                    f.page.lines.push(Line {
                        x: mm(25.0),
                        y: A4_HEIGHT - y + BODY * 0.3,
                        size: BODY,
                        segments: vec![(Font::Regular, encode(l))],
                    });
                }
                // The text continues under the window (90 mm) at the earliest.
                f.y = f.y.max(mm(95.0));
                f.fresh = false;
            }
            Block::Sender(lines) => {
                let mut y = mm(TOP);
                for l in lines {
                    y += SMALL * LEADING;
                    let t = encode(l);
                    let x = A4_WIDTH - mm(RIGHT) - text_width(false, &t, SMALL);
                    f.page.lines.push(Line {
                        x: x.max(left),
                        y: A4_HEIGHT - y + SMALL * 0.3,
                        size: SMALL,
                        segments: vec![(Font::Regular, t)],
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
    f.pages
}

//! The letters' font: DejaVu Sans (regular, bold, oblique) from the `dejavu` crate, embedded in the
//! binary. DejaVu covers Latin Extended A/B and Additional (Turkish, Polish, Czech, Vietnamese),
//! Greek and Cyrillic, so a name prints as it was written. The licence (Bitstream Vera / public
//! domain changes) allows embedding and subsetting; `LICENSES/DejaVu.txt` carries it (the font files come from the `dejavu` crate, MIT/Apache-2.0 packaging).
//!
//! Text is measured with the font's own advance widths (`ttf-parser`), after Unicode NFC
//! normalisation, so "Đặng" typed with combining marks takes its precomposed glyphs.
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use super::model::Font;

/// One face: its data, units per em, and a cache of char → (glyph id, advance in 1/1000 em).
pub struct Face {
    pub data: &'static [u8],
    pub face: ttf_parser::Face<'static>,
    pub units_per_em: f32,
    /// Basic Latin and Latin-1 straight from an array; the rest through a map.
    low: Vec<(u16, u16)>,
    high: RwLock<HashMap<char, (u16, u16)>>,
    pub postscript_name: &'static str,
}

impl Face {
    fn load(data: &'static [u8], postscript_name: &'static str) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("the DejaVu font in the binary parses");
        let units_per_em = face.units_per_em() as f32;
        let mut f = Face {
            data,
            face,
            units_per_em,
            low: vec![],
            high: RwLock::new(HashMap::new()),
            postscript_name,
        };
        f.low = (0u32..0x250)
            .map(|u| char::from_u32(u).map(|c| f.lookup(c)).unwrap_or((0, 0)))
            .collect();
        f
    }

    fn lookup(&self, c: char) -> (u16, u16) {
        let gid = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
        let adv = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0) as f32;
        (gid, (adv * 1000.0 / self.units_per_em).round() as u16)
    }

    /// The glyph and its advance (1/1000 em) for `c`; a character the font lacks gets glyph 0
    /// (.notdef, a visible box), never silence.
    pub fn glyph(&self, c: char) -> (u16, u16) {
        if let Some(g) = self.low.get(c as usize) {
            return *g;
        }
        if let Some(g) = self.high.read().ok().and_then(|m| m.get(&c).copied()) {
            return g;
        }
        let g = self.lookup(c);
        if let Ok(mut m) = self.high.write() {
            m.insert(c, g);
        }
        g
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// Advance width of a glyph (by its id in the full font), 1/1000 em.
    pub fn advance_of_gid(&self, gid: u16) -> f32 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0) as f32
            * 1000.0
            / self.units_per_em
    }

    /// Scale font units to 1/1000 em.
    pub fn scale(&self, v: i16) -> f32 {
        v as f32 * 1000.0 / self.units_per_em
    }
}

static REGULAR: LazyLock<Face> =
    LazyLock::new(|| Face::load(dejavu::sans::regular(), "DejaVuSans"));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(dejavu::sans::bold(), "DejaVuSans-Bold"));
static OBLIQUE: LazyLock<Face> =
    LazyLock::new(|| Face::load(dejavu::sans::oblique(), "DejaVuSans-Oblique"));

/// The face of a [`Font`].
pub fn face(f: Font) -> &'static Face {
    match f {
        Font::Regular => &REGULAR,
        Font::Bold => &BOLD,
        Font::Oblique => &OBLIQUE,
    }
}

/// `s` ready to print: NFC, tabs as spaces, invisible format characters dropped; `\n` stays.
pub fn prepare(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let ascii = s.is_ascii();
    let it: Box<dyn Iterator<Item = char>> = if ascii {
        Box::new(s.chars())
    } else {
        Box::new(s.nfc())
    };
    it.filter_map(|c| match c {
        '\t' | '\r' => Some(' '),
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => None,
        c if c.is_control() && c != '\n' => None,
        c => Some(c),
    })
    .collect()
}

/// Width in points of `s` (already [`prepare`]d) in `font` at `size`.
pub fn text_width(font: Font, s: &str, size: f32) -> f32 {
    let f = face(font);
    let units: u32 = s.chars().map(|c| f.glyph(c).1 as u32).sum();
    units as f32 * size / 1000.0
}

//! The pieces a PDF document is made of (fonts, runs of text, blocks) and its units: shared by
//! the writer (`pdf/mod.rs`), the fonts and the layout, which depend on this and not on each other's
//! parents.

/// mm to points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

pub const A4_WIDTH: f32 = 595.276;
pub const A4_HEIGHT: f32 = 841.89;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
    Oblique,
}

impl Font {
    pub(super) fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
            Font::Oblique => b"F3",
        }
    }
    pub(super) fn index(self) -> usize {
        match self {
            Font::Regular => 0,
            Font::Bold => 1,
            Font::Oblique => 2,
        }
    }
    pub(super) const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Oblique];
    pub fn is_bold(self) -> bool {
        self == Font::Bold
    }
}

/// A piece of text in one font. A `\n` in the text breaks the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub font: Font,
}

impl Run {
    pub fn plain(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            font: Font::Regular,
        }
    }
    pub fn bold(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            font: Font::Bold,
        }
    }
    pub fn oblique(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            font: Font::Oblique,
        }
    }
}

/// What a document is made of, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(Vec<Run>),
    /// A paragraph indented by 10 mm (an answer under its question).
    Indented(Vec<Run>),
    /// A list item: its marker ("•", "1.") and text.
    ListItem(String, Vec<Run>),
    /// A row of a two-column table: the key in the left column, the value wrapped in the right.
    KeyValue(String, Vec<Run>),
    /// Small print (8.5 pt).
    Small(Vec<Run>),
    /// A letter's address lines, placed in the window of a window envelope (NEN 5008, see
    /// [`super::layout`]), on the current page. The text below continues under the window.
    Address(Vec<String>),
    /// The return address, one small line at the top of the window.
    ReturnAddress(String),
    /// The reference column right of the window: (label, value) pairs such as date and our
    /// reference, and the contact details.
    Meta(Vec<(String, String)>),
    /// The sender's lines, small and right-aligned at the top of the current page.
    Sender(Vec<String>),
    /// Vertical space in points.
    Space(f32),
    PageBreak,
}

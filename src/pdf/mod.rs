//! A small PDF writer without dependencies (no actix, no diesel, no PDF crate): PDF 1.4 with the
//! standard fonts Helvetica, Helvetica-Bold and Helvetica-Oblique in WinAnsiEncoding (Dutch text
//! with é ë ï ö ü € ‘ ’ “ ” – — prints right; a character WinAnsi lacks becomes a visible `?`),
//! word wrap with the fonts' own advance widths, A4 pages with margins, a footer "pagina N van M"
//! with the document's reference, and document information (Title, Author, CreationDate, /Lang).
//!
//! [`layout`] turns [`Block`]s into [`Page`]s; [`PdfWriter`] writes pages to any `io::Write` as it
//! goes (objects are not kept in memory), so a merged file of 100,000 letters streams. Several
//! documents (letters) can share one file, each with its own page numbering.
pub mod check;
pub mod html;
pub mod layout;
pub mod metrics;

use std::io::{self, Write};

use chrono::{DateTime, Utc};

pub use layout::{layout, Page};

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
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Oblique => "F3",
        }
    }
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
    /// A letter's address lines, placed in the window of a window envelope (DIN/NEN 5008: window
    /// 20 mm from the left, 45–90 mm from the top; the text starts 25 mm from the left and 50 mm
    /// from the top), on the current page. The text below continues under the window.
    Address(Vec<String>),
    /// The sender's lines, small and right-aligned at the top of the current page.
    Sender(Vec<String>),
    /// Vertical space in points.
    Space(f32),
    PageBreak,
}

/// The document as a whole.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    /// The organisation.
    pub author: String,
    pub created: DateTime<Utc>,
    /// BCP 47 language of the document, e.g. "nl-NL".
    pub lang: String,
}

/// The footer of each page of one document: "<reference>   pagina N van M".
#[derive(Debug, Clone)]
pub struct Footer {
    pub reference: String,
    /// "nl" → "pagina N van M", otherwise "page N of M".
    pub lang: String,
}

impl Footer {
    pub fn label(&self, n: usize, m: usize) -> String {
        if self.lang == "en" {
            format!("page {n} of {m}")
        } else {
            format!("pagina {n} van {m}")
        }
    }
}

/// One complete PDF in memory.
pub fn render(info: &DocInfo, blocks: &[Block], footer: &Footer) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = PdfWriter::new(&mut out, info.clone()).expect("writing to a Vec cannot fail");
    w.add_document(&layout(blocks), footer)
        .expect("writing to a Vec cannot fail");
    w.finish().expect("writing to a Vec cannot fail");
    out
}

struct Counting<W> {
    inner: W,
    pos: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

const CATALOG: usize = 1;
const PAGES: usize = 2;
const INFO: usize = 3;
const RESOURCES: usize = 4;
const FIRST_FREE: usize = 8;

/// Writes a PDF object by object as pages come in; `finish` writes the page tree, the catalog,
/// the cross-reference table and the trailer.
pub struct PdfWriter<W: Write> {
    w: Counting<W>,
    info: DocInfo,
    /// Byte offset of object i (index 0 unused).
    offsets: Vec<u64>,
    pages: Vec<usize>,
}

impl<W: Write> PdfWriter<W> {
    pub fn new(w: W, info: DocInfo) -> io::Result<PdfWriter<W>> {
        let mut w = Counting { inner: w, pos: 0 };
        // The binary comment tells transfer programs the file is binary.
        w.write_all(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")?;
        let mut p = PdfWriter {
            w,
            info,
            offsets: vec![0; FIRST_FREE],
            pages: vec![],
        };
        p.object(RESOURCES, |o| {
            o.extend_from_slice(
                b"<< /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >> /ProcSet [/PDF /Text] >>",
            )
        })?;
        for (id, name) in [
            (5, "Helvetica"),
            (6, "Helvetica-Bold"),
            (7, "Helvetica-Oblique"),
        ] {
            p.object(id, |o| {
                o.extend_from_slice(
                    format!(
                        "<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
                    )
                    .as_bytes(),
                )
            })?;
        }
        Ok(p)
    }

    /// Pages written so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn object(&mut self, id: usize, body: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut o = Vec::new();
        body(&mut o);
        self.raw_object(id, &o)
    }

    fn raw_object(&mut self, id: usize, body: &[u8]) -> io::Result<()> {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.w.pos;
        writeln!(self.w, "{id} 0 obj")?;
        self.w.write_all(body)?;
        self.w.write_all(b"\nendobj\n")
    }

    fn next_id(&self) -> usize {
        self.offsets.len()
    }

    /// Append one document (a letter, a report) with its own page numbering in the footer.
    /// Returns the 1-based range of its pages in the whole file.
    pub fn add_document(&mut self, pages: &[Page], footer: &Footer) -> io::Result<(usize, usize)> {
        let first = self.pages.len() + 1;
        let m = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let mut content = page.content();
            layout::footer(&mut content, &footer.reference, &footer.label(i + 1, m));
            let cid = self.next_id();
            // Content streams deflated (fast level): a page's drawing operators shrink to about a
            // third, which matters for a merged file of 100,000 letters.
            let content = deflate(&content)?;
            let mut body = format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                content.len()
            )
            .into_bytes();
            body.extend_from_slice(&content);
            body.extend_from_slice(b"\nendstream");
            self.raw_object(cid, &body)?;
            let pid = self.next_id();
            self.object(pid, |o| {
                o.extend_from_slice(
                    format!(
                        "<< /Type /Page /Parent {PAGES} 0 R /Resources {RESOURCES} 0 R /Contents {cid} 0 R >>"
                    )
                    .as_bytes(),
                )
            })?;
            self.pages.push(pid);
        }
        Ok((first, first + m - 1))
    }

    /// Write the page tree, catalog, information, cross-reference table and trailer.
    pub fn finish(mut self) -> io::Result<W> {
        let mut kids = Vec::with_capacity(self.pages.len() * 8 + 64);
        write!(
            kids,
            "<< /Type /Pages /Count {} /MediaBox [0 0 {A4_WIDTH} {A4_HEIGHT}] /Kids [",
            self.pages.len()
        )?;
        for p in &self.pages {
            write!(kids, "{p} 0 R ")?;
        }
        kids.extend_from_slice(b"] >>");
        self.raw_object(PAGES, &kids)?;
        let lang = text_string(&self.info.lang);
        self.object(CATALOG, |o| {
            o.extend_from_slice(
                format!("<< /Type /Catalog /Pages {PAGES} 0 R /Lang {lang} >>").as_bytes(),
            )
        })?;
        let (title, author) = (
            text_string(&self.info.title),
            text_string(&self.info.author),
        );
        let date = self.info.created.format("D:%Y%m%d%H%M%SZ").to_string();
        self.object(INFO, |o| {
            o.extend_from_slice(
                format!(
                    "<< /Title {title} /Author {author} /Producer (Meldpunt) /CreationDate ({date}) >>"
                )
                .as_bytes(),
            )
        })?;
        let xref = self.w.pos;
        write!(self.w, "xref\n0 {}\n", self.offsets.len())?;
        self.w.write_all(b"0000000000 65535 f \n")?;
        for off in &self.offsets[1..] {
            writeln!(self.w, "{off:010} 00000 n ")?;
        }
        write!(
            self.w,
            "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        )?;
        self.w.flush()?;
        Ok(self.w.inner)
    }
}

/// A PDF text string for any Unicode text: UTF-16BE with its byte-order mark, in hex.
pub fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

#[cfg(test)]
mod tests;

fn deflate(data: &[u8]) -> io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2),
        flate2::Compression::fast(),
    );
    z.write_all(data)?;
    z.finish()
}

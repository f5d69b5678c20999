//! The PDFs: archival (PDF/A-2a), tagged, with DejaVu Sans embedded (subset) so every name prints
//! as written ("Fatma Yılmaz-Doğan", "Łukasz Wójcik", "Nguyễn Thị Đặng", "Jiří Dvořák").
//!
//! Written with `pdf-writer` (the Typst project's PDF writer, the one `krilla` is built on),
//! `subsetter` (font subsets), `ttf-parser` (metrics) and `xmp-writer` (the XMP metadata PDF/A asks
//! for). Not `krilla` itself: krilla keeps the whole document in memory until `finish` and returns
//! one `Vec<u8>`, while the merged letters file of a 100,000-letter mailing must stream with flat
//! memory. [`PdfWriter`] writes each page and each letter's structure elements as they come; what it
//! keeps grows by a few bytes per page (page references, the parent-tree keys) and by the glyphs
//! used (bounded by the font), and the fonts are subset and written at the end.
//!
//! Every file has: PDF 1.7 header, XMP metadata with `pdfaid:part 2, conformance A`, an sRGB
//! output intent (`assets/icc`, CC0), the document information matching the XMP, a file ID, the
//! language (/Lang on the catalog and on every letter's part), /MarkInfo /Marked true, a structure
//! tree (Document → Part per letter → H1, H2, P, L/LI/Lbl/LBody, Table/TR/TH/TD, Div) in reading
//! order, every text line in marked content with its MCID, page footers as pagination artifacts,
//! and fonts as CIDFontType2 with ToUnicode maps (so copying and `pdftotext` give the real text).
//!
//! [`layout`] turns [`Block`]s into pages ([`Laid`]); the letter's window layout and
//! [`layout::address_fits`] are there too.
pub mod fonts;
pub mod html;
pub mod layout;
pub mod model;

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use pdf_writer::types::{
    ArtifactType, CidFontType, FontFlags, OutputIntentSubtype, StructRole, SystemInfo, TabOrder,
    UnicodeCmap,
};
use pdf_writer::{Chunk, Content, Filter, Name, Rect, Ref, Str, TextStr};

pub use layout::{layout, Laid, Page};
pub use model::{mm, Block, Font, Run, A4_HEIGHT, A4_WIDTH};

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
    /// Number a document of one page too (a report); a one-page letter has no page number.
    pub number_single: bool,
}

impl Footer {
    pub fn label(&self, n: usize, m: usize) -> String {
        if m == 1 && !self.number_single {
            String::new()
        } else if self.lang == "en" {
            format!("page {n} of {m}")
        } else {
            format!("pagina {n} van {m}")
        }
    }
}

/// One complete PDF in memory.
pub fn render(info: &DocInfo, blocks: &[Block], footer: &Footer) -> Vec<u8> {
    let mut w = PdfWriter::new(Vec::new(), info.clone()).expect("writing to a Vec cannot fail");
    w.add_document(&layout(blocks), footer, &info.lang)
        .expect("writing to a Vec cannot fail");
    w.finish().expect("writing to a Vec cannot fail")
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

/// The glyphs of one font used so far: old glyph id → new (subset) id, and back, with the text
/// each new glyph stands for (the ToUnicode map).
#[derive(Default)]
struct Used {
    new_of: HashMap<u16, u16>,
    olds: Vec<u16>,
    text: Vec<char>,
}

impl Used {
    fn new() -> Used {
        let mut u = Used::default();
        u.new_of.insert(0, 0);
        u.olds.push(0);
        u.text.push('\0');
        u
    }
    fn cid(&mut self, gid: u16, c: char) -> u16 {
        if let Some(n) = self.new_of.get(&gid) {
            return *n;
        }
        let n = self.olds.len() as u16;
        self.new_of.insert(gid, n);
        self.olds.push(gid);
        self.text.push(c);
        n
    }
}

const SETTINGS: pdf_writer::Settings = pdf_writer::Settings { pretty: false };

/// Writes a PDF object by object as pages come in; `finish` writes the fonts, the structure tree
/// root, the page tree, the catalog, the metadata, the cross-reference table and the trailer.
pub struct PdfWriter<W: Write> {
    w: Counting<W>,
    info: DocInfo,
    /// Byte offset of object i (index 0 unused).
    offsets: Vec<u64>,
    pages: Vec<Ref>,
    /// Per page (its /StructParents key is its index): the array of its MCIDs' parents.
    parent_arrays: Vec<Ref>,
    /// The Part element of each document.
    parts: Vec<Ref>,
    used: [Used; 3],
    catalog: Ref,
    page_tree: Ref,
    struct_root: Ref,
    document: Ref,
    fonts: [Ref; 3],
}

impl<W: Write> PdfWriter<W> {
    pub fn new(w: W, info: DocInfo) -> io::Result<PdfWriter<W>> {
        let mut w = Counting { inner: w, pos: 0 };
        // The binary comment (bytes > 127) tells transfer programs and PDF/A the file is binary.
        w.write_all(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;
        Ok(PdfWriter {
            w,
            info,
            offsets: vec![0; 8],
            pages: vec![],
            parent_arrays: vec![],
            parts: vec![],
            used: [Used::new(), Used::new(), Used::new()],
            catalog: Ref::new(1),
            page_tree: Ref::new(2),
            struct_root: Ref::new(3),
            document: Ref::new(4),
            fonts: [Ref::new(5), Ref::new(6), Ref::new(7)],
        })
    }

    /// Pages written so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn alloc(&mut self) -> Ref {
        self.offsets.push(0);
        Ref::new(self.offsets.len() as i32 - 1)
    }

    /// Write the objects of `chunk` (each its own object, written by `f`) at the current offset.
    fn emit(&mut self, id: Ref, f: impl FnOnce(&mut Chunk)) -> io::Result<()> {
        let mut c = Chunk::with_settings(SETTINGS);
        f(&mut c);
        self.offsets[id.get() as usize] = self.w.pos;
        self.w.write_all(c.as_bytes())
    }

    /// The text as 2-byte CIDs of `font`'s subset.
    fn cids(&mut self, font: Font, text: &str) -> Vec<u8> {
        let face = fonts::face(font);
        let used = &mut self.used[font.index()];
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (mut gid, mut c) = (face.glyph(c).0, c);
            if gid == 0 {
                // Not in the font: the visible replacement character, never an unmapped glyph.
                c = '\u{fffd}';
                gid = face.glyph(c).0;
            }
            let cid = used.cid(gid, c);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Append one document (a letter, a report) with its own page numbering in the footer and its
    /// own language. Returns the 1-based range of its pages in the whole file.
    pub fn add_document(
        &mut self,
        laid: &Laid,
        footer: &Footer,
        lang: &str,
    ) -> io::Result<(usize, usize)> {
        let first = self.pages.len() + 1;
        let m = laid.pages.len();
        let part = self.alloc();
        let elem_refs: Vec<Ref> = (0..laid.elems.len()).map(|_| self.alloc()).collect();
        // Per element: its marked content (page, MCID) in order.
        let mut content_of: Vec<Vec<(Ref, i32)>> = vec![vec![]; laid.elems.len()];
        for (i, page) in laid.pages.iter().enumerate() {
            let page_ref = self.alloc();
            let content_ref = self.alloc();
            let parents_ref = self.alloc();
            let mut c = Content::new();
            let mut fonts_used = [false; 3];
            let mut parents = Vec::with_capacity(page.lines.len());
            for line in &page.lines {
                let mcid = parents.len() as i32;
                let elem = line.elem.min(laid.elems.len().saturating_sub(1));
                parents.push(elem_refs[elem]);
                content_of[elem].push((page_ref, mcid));
                let role = laid.elems[elem].role;
                c.begin_marked_content_with_properties(Name(role.name()))
                    .properties()
                    .identify(mcid);
                c.begin_text();
                c.next_line(line.x, line.y);
                for (f, t) in &line.segments {
                    fonts_used[f.index()] = true;
                    c.set_font(Name(f.resource()), line.size);
                    let bytes = self.cids(*f, t);
                    c.show(Str(&bytes));
                }
                c.end_text();
                c.end_marked_content();
            }
            // The footer: the reference and, when numbered, "pagina N van M"; an artifact.
            let size = layout::SMALL;
            let y = mm(12.0);
            let label = footer.label(i + 1, m);
            let reference = fonts::prepare(&footer.reference);
            for (text, x) in [
                (reference.clone(), mm(layout::LEFT)),
                (
                    label.clone(),
                    A4_WIDTH - mm(layout::RIGHT) - fonts::text_width(Font::Regular, &label, size),
                ),
            ] {
                if text.is_empty() {
                    continue;
                }
                fonts_used[0] = true;
                c.begin_marked_content_with_properties(Name(b"Artifact"))
                    .properties()
                    .artifact()
                    .kind(ArtifactType::Pagination);
                c.begin_text();
                c.set_font(Name(Font::Regular.resource()), size);
                c.next_line(x, y);
                let bytes = self.cids(Font::Regular, &text);
                c.show(Str(&bytes));
                c.end_text();
                c.end_marked_content();
            }
            let raw = c.finish();
            // Content streams deflated (fast level): a merged file of 100,000 letters stays small.
            let data = deflate(&raw)?;
            self.emit(content_ref, |ch| {
                ch.stream(content_ref, &data).filter(Filter::FlateDecode);
            })?;
            let key = self.pages.len() as i32;
            let (tree, font_refs) = (self.page_tree, self.fonts);
            self.emit(page_ref, |ch| {
                let mut p = ch.page(page_ref);
                p.parent(tree)
                    .media_box(Rect::new(0.0, 0.0, A4_WIDTH, A4_HEIGHT))
                    .contents(content_ref)
                    .struct_parents(key)
                    .tab_order(TabOrder::StructureOrder);
                let mut res = p.resources();
                let mut fs = res.fonts();
                for f in Font::ALL {
                    if fonts_used[f.index()] {
                        fs.pair(Name(f.resource()), font_refs[f.index()]);
                    }
                }
            })?;
            self.emit(parents_ref, |ch| {
                ch.indirect(parents_ref)
                    .array()
                    .items(parents.iter().copied());
            })?;
            self.pages.push(page_ref);
            self.parent_arrays.push(parents_ref);
        }
        // The document's structure: a Part in the document's language, its elements in order.
        let mut children: Vec<Vec<usize>> = vec![vec![]; laid.elems.len()];
        let mut top = vec![];
        for (i, e) in laid.elems.iter().enumerate() {
            match e.parent {
                Some(p) => children[p].push(i),
                None => top.push(i),
            }
        }
        let document = self.document;
        let lang = lang.to_string();
        let top_refs: Vec<Ref> = top.iter().map(|i| elem_refs[*i]).collect();
        self.emit(part, |ch| {
            let mut s = ch.struct_element(part);
            s.kind(StructRole::Part)
                .parent(document)
                .lang(TextStr(&lang));
            let mut k = s.children();
            for r in &top_refs {
                k.struct_element(*r);
            }
        })?;
        for (i, e) in laid.elems.iter().enumerate() {
            let id = elem_refs[i];
            let parent = e.parent.map(|p| elem_refs[p]).unwrap_or(part);
            let kids: Vec<Ref> = children[i].iter().map(|k| elem_refs[*k]).collect();
            let marks = &content_of[i];
            self.emit(id, |ch| {
                let mut s = ch.struct_element(id);
                s.kind(role_of(e.role)).parent(parent);
                if let Some((pg, _)) = marks.first() {
                    s.page(*pg);
                }
                let mut k = s.children();
                for r in &kids {
                    k.struct_element(*r);
                }
                for (pg, mcid) in marks {
                    k.marked_content_ref().marked_content_id(*mcid).page(*pg);
                }
            })?;
        }
        self.parts.push(part);
        Ok((first, first + m - 1))
    }

    /// Write the fonts (subset now that every glyph is known), the structure tree, the page tree,
    /// the metadata, catalog, information, cross-reference table and trailer.
    pub fn finish(mut self) -> io::Result<W> {
        for f in Font::ALL {
            self.write_font(f)?;
        }
        // The sRGB output intent PDF/A asks for.
        let icc = self.alloc();
        let data = deflate(ICC_SRGB)?;
        self.emit(icc, |ch| {
            ch.icc_profile(icc, &data)
                .n(3)
                .range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
                .filter(Filter::FlateDecode);
        })?;
        // The structure tree: the document element, the root and its parent tree.
        let (root, document, parts) = (
            self.struct_root,
            self.document,
            std::mem::take(&mut self.parts),
        );
        let lang = self.info.lang.clone();
        self.emit(document, |ch| {
            let mut s = ch.struct_element(document);
            s.kind(StructRole::Document)
                .parent(root)
                .lang(TextStr(&lang));
            let mut k = s.children();
            for r in &parts {
                k.struct_element(*r);
            }
        })?;
        let arrays = std::mem::take(&mut self.parent_arrays);
        self.emit(root, |ch| {
            let mut t = ch
                .indirect(root)
                .start::<pdf_writer::writers::StructTreeRoot>();
            t.children().item(document);
            {
                let mut pt = t.parent_tree();
                let mut nums = pt.nums();
                for (i, r) in arrays.iter().enumerate() {
                    nums.insert(i as i32, *r);
                }
            }
            t.parent_tree_next_key(arrays.len() as i32);
        })?;
        let (tree, pages) = (self.page_tree, std::mem::take(&mut self.pages));
        self.emit(tree, |ch| {
            ch.pages(tree)
                .count(pages.len() as i32)
                .kids(pages.iter().copied());
        })?;
        // Metadata: the same title, author, language and dates in XMP and in the information.
        let id = file_id(&self.info, pages.len());
        let id_hex = hex::encode(&id);
        let created = self.info.created;
        let xdate = xmp_writer::DateTime::new(
            created.year() as u16,
            created.month() as u8,
            created.day() as u8,
            created.hour() as u8,
            created.minute() as u8,
            created.second() as u8,
            xmp_writer::Timezone::Utc,
        );
        let mut xmp = xmp_writer::XmpWriter::new();
        xmp.title([(None, self.info.title.as_str())]);
        xmp.creator([self.info.author.as_str()]);
        xmp.language([xmp_writer::LangId(self.info.lang.as_str())]);
        xmp.producer(PRODUCER);
        xmp.creator_tool(PRODUCER);
        xmp.create_date(xdate);
        xmp.modify_date(xdate);
        xmp.format("application/pdf");
        xmp.document_id(&format!("uuid:{}", uuid_like(&id)));
        xmp.instance_id(&format!("uuid:{}", uuid_like(&id)));
        xmp.num_pages(pages.len() as u32);
        xmp.pdfa_part(2);
        xmp.pdfa_conformance("A");
        let xmp = xmp.finish(None);
        let meta = self.alloc();
        self.emit(meta, |ch| {
            ch.metadata(meta, xmp.as_bytes());
        })?;
        let pdate = pdf_writer::Date::new(created.year() as u16)
            .month(created.month() as u8)
            .day(created.day() as u8)
            .hour(created.hour() as u8)
            .minute(created.minute() as u8)
            .second(created.second() as u8)
            .utc_offset_hour(0)
            .utc_offset_minute(0);
        let info_ref = self.alloc();
        let info = self.info.clone();
        self.emit(info_ref, |ch| {
            ch.indirect(info_ref)
                .start::<pdf_writer::writers::DocumentInfo>()
                .title(TextStr(&info.title))
                .author(TextStr(&info.author))
                .creator(TextStr(PRODUCER))
                .producer(TextStr(PRODUCER))
                .creation_date(pdate)
                .modified_date(pdate);
        })?;
        let catalog = self.catalog;
        self.emit(catalog, |ch| {
            let mut c = ch.indirect(catalog).start::<pdf_writer::writers::Catalog>();
            c.pages(tree).lang(TextStr(&info.lang)).metadata(meta);
            c.pair(Name(b"StructTreeRoot"), root);
            c.mark_info().marked(true);
            c.viewer_preferences().display_doc_title(true);
            c.output_intents()
                .push()
                .subtype(OutputIntentSubtype::PDFA)
                .output_condition_identifier(TextStr("sRGB"))
                .output_condition(TextStr("sRGB"))
                .registry_name(TextStr("http://www.color.org"))
                .info(TextStr("sRGB v4"))
                .dest_output_profile(icc);
        })?;
        let xref = self.w.pos;
        write!(self.w, "xref\n0 {}\n", self.offsets.len())?;
        self.w.write_all(b"0000000000 65535 f\r\n")?;
        for off in &self.offsets[1..] {
            write!(self.w, "{off:010} 00000 n\r\n")?;
        }
        write!(
            self.w,
            "trailer\n<</Size {} /Root {} 0 R /Info {} 0 R /ID [<{id_hex}> <{id_hex}>]>>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len(),
            catalog.get(),
            info_ref.get(),
        )?;
        self.w.flush()?;
        Ok(self.w.inner)
    }

    fn write_font(&mut self, font: Font) -> io::Result<()> {
        let face = fonts::face(font);
        let used = std::mem::take(&mut self.used[font.index()]);
        let type0 = self.fonts[font.index()];
        let cid_ref = self.alloc();
        let descriptor = self.alloc();
        let cmap_ref = self.alloc();
        let file_ref = self.alloc();
        let remapper = subsetter::GlyphRemapper::new_from_glyphs(&used.olds);
        let subset = subsetter::subset(face.data, 0, &remapper)
            .map_err(|e| io::Error::other(format!("font subset: {e:?}")))?;
        let data = deflate(&subset)?;
        // The subset tag: six capitals from the glyph set, so different subsets differ by name.
        let tag: String = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for g in &used.olds {
                h.update(g.to_be_bytes());
            }
            h.finalize()[..6]
                .iter()
                .map(|b| (b'A' + b % 26) as char)
                .collect()
        };
        let base = format!("{tag}+{}", face.postscript_name);
        let widths: Vec<f32> = used.olds.iter().map(|g| face.advance_of_gid(*g)).collect();
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        self.emit(type0, |ch| {
            ch.type0_font(type0)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid_ref)
                .to_unicode(cmap_ref);
        })?;
        self.emit(cid_ref, |ch| {
            let mut c = ch.cid_font(cid_ref);
            c.subtype(CidFontType::Type2)
                .base_font(Name(base.as_bytes()))
                .system_info(system)
                .font_descriptor(descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            c.widths().consecutive(0, widths.iter().copied());
        })?;
        let f = &face.face;
        let bbox = f.global_bounding_box();
        let mut flags = FontFlags::SYMBOLIC;
        if font == Font::Oblique {
            flags |= FontFlags::ITALIC;
        }
        let ascent = face.scale(f.ascender());
        let descent = face.scale(f.descender());
        let cap = f.capital_height().map(|c| face.scale(c)).unwrap_or(ascent);
        let italic = f.italic_angle();
        self.emit(descriptor, |ch| {
            ch.font_descriptor(descriptor)
                .name(Name(base.as_bytes()))
                .flags(flags)
                .bbox(Rect::new(
                    face.scale(bbox.x_min),
                    face.scale(bbox.y_min),
                    face.scale(bbox.x_max),
                    face.scale(bbox.y_max),
                ))
                .italic_angle(italic)
                .ascent(ascent)
                .descent(descent)
                .cap_height(cap)
                .stem_v(if font == Font::Bold { 140.0 } else { 80.0 })
                .font_file2(file_ref);
        })?;
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
        for (cid, c) in used.text.iter().enumerate().skip(1) {
            cmap.pair(cid as u16, *c);
        }
        let cmap_data = deflate(&cmap.finish())?;
        self.emit(cmap_ref, |ch| {
            ch.cmap(cmap_ref, &cmap_data).filter(Filter::FlateDecode);
        })?;
        self.emit(file_ref, |ch| {
            ch.stream(file_ref, &data)
                .filter(Filter::FlateDecode)
                .pair(Name(b"Length1"), subset.len() as i32);
        })
    }
}

const PRODUCER: &str = "Meldpunt (pdf-writer)";

/// The sRGB ICC profile of the PDF/A output intent (Compact-ICC-Profiles, CC0).
const ICC_SRGB: &[u8] = include_bytes!("../../assets/icc/sRGB-v4.icc");

fn role_of(r: layout::Role) -> StructRole {
    use layout::Role;
    match r {
        Role::H1 => StructRole::H1,
        Role::H2 => StructRole::H2,
        Role::P => StructRole::P,
        Role::L => StructRole::L,
        Role::LI => StructRole::LI,
        Role::Lbl => StructRole::Lbl,
        Role::LBody => StructRole::LBody,
        Role::Table => StructRole::Table,
        Role::TR => StructRole::TR,
        Role::TH => StructRole::TH,
        Role::TD => StructRole::TD,
        Role::Div => StructRole::Div,
    }
}

/// The file ID: a digest of what the file is (title, author, time, pages) and a random part.
fn file_id(info: &DocInfo, pages: usize) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(info.title.as_bytes());
    h.update(info.author.as_bytes());
    h.update(info.created.to_rfc3339().as_bytes());
    h.update(pages.to_be_bytes());
    h.update(uuid::Uuid::new_v4().as_bytes());
    h.finalize()[..16].to_vec()
}

fn uuid_like(id: &[u8]) -> String {
    uuid::Uuid::from_slice(&id[..16])
        .map(|u| u.to_string())
        .unwrap_or_default()
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

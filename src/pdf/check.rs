//! A structural check of the PDFs this module writes (used by the tests, and usable on any file
//! written here): the header, `startxref` pointing at the cross-reference table, every in-use entry
//! pointing at `N 0 obj`, the trailer's /Size, and the page count.

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    pub objects: usize,
    pub pages: usize,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn number_after(hay: &[u8], at: usize) -> Option<(usize, usize)> {
    let s = &hay[at..];
    let start = s.iter().position(|b| b.is_ascii_digit())?;
    let len = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let n = std::str::from_utf8(&s[start..start + len])
        .ok()?
        .parse()
        .ok()?;
    Some((n, at + start + len))
}

/// Check the file's structure; the error says what is wrong.
pub fn structure(pdf: &[u8]) -> Result<Structure, String> {
    if !pdf.starts_with(b"%PDF-1.") {
        return Err("no %PDF header".into());
    }
    if !pdf.ends_with(b"%%EOF\n") {
        return Err("no %%EOF at the end".into());
    }
    let sx = rfind(pdf, b"startxref").ok_or("no startxref")?;
    let (xref, _) = number_after(pdf, sx + 9).ok_or("no offset after startxref")?;
    if !pdf[xref..].starts_with(b"xref\n0 ") {
        return Err(format!("startxref {xref} does not point at the xref table"));
    }
    let (size, mut at) = number_after(pdf, xref + 7).ok_or("no xref size")?;
    at += 1;
    let mut pages = 0;
    for i in 0..size {
        let e = pdf.get(at..at + 20).ok_or("xref table cut short")?;
        at += 20;
        if e[18] != b' ' || e[19] != b'\n' && e[19] != b'\r' {
            return Err(format!("xref entry {i} is not 20 bytes"));
        }
        let off: usize = std::str::from_utf8(&e[..10])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(format!("xref entry {i}: bad offset"))?;
        match (i, e[17]) {
            (0, b'f') => continue,
            (0, _) => return Err("object 0 must be free".into()),
            (_, b'n') => {}
            _ => return Err(format!("object {i} is not in use")),
        }
        let head = format!("{i} 0 obj");
        if !pdf[off..].starts_with(head.as_bytes()) {
            return Err(format!(
                "xref entry {i} points at offset {off}, not at '{head}'"
            ));
        }
        let end = find(&pdf[off..], b"endobj").ok_or(format!("object {i} has no endobj"))?;
        if find(&pdf[off..off + end], b"/Type /Page ").is_some() {
            pages += 1;
        }
    }
    let tr = &pdf[at..];
    if !tr.starts_with(b"trailer\n<<") {
        return Err("no trailer after the xref table".into());
    }
    let sz = find(tr, b"/Size ").ok_or("trailer has no /Size")?;
    let (n, _) = number_after(tr, sz + 6).ok_or("bad /Size")?;
    if n != size {
        return Err(format!("trailer /Size {n} but the xref has {size}"));
    }
    if find(tr, b"/Root ").is_none() || find(tr, b"/Info ").is_none() {
        return Err("trailer without /Root or /Info".into());
    }
    let count = find(pdf, b"/Type /Pages /Count ").ok_or("no page tree")?;
    let (c, _) = number_after(pdf, count + 20).ok_or("bad /Count")?;
    if c != pages {
        return Err(format!("/Count {c} but {pages} page objects"));
    }
    Ok(Structure {
        objects: size,
        pages,
    })
}

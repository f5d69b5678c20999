// The e-mails the server under test sent: its outbox delivers with the file transport
// (MELDPUNT__MAIL__TRANSPORT=file), one `<id>.eml` per message in the server's outbox folder.
// Decoded just enough to read them as a person would: headers (RFC 2047 words), and the text
// part (quoted-printable or base64; the text/plain part of a multipart message).
import fs from 'node:fs';
import path from 'node:path';

function decodeWords(s) {
  return s.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=\s*(?==\?)|=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g,
    (_, c1, e1, t1, c2, e2, t2) => {
      const enc = (e1 || e2).toLowerCase();
      const text = t1 ?? t2;
      if (enc === 'b') return Buffer.from(text, 'base64').toString('utf8');
      return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    });
}

function headersOf(head) {
  const out = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  return out;
}

function decodeBody(headers, body) {
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** One message: { file, headers, to, subject, text, raw }. */
export function parseMail(raw, file = '') {
  const split = raw.indexOf('\r\n\r\n');
  const headers = headersOf(raw.slice(0, split));
  let body = raw.slice(split + 4);
  let partHeaders = headers;
  const boundary = (headers['content-type'] || '').match(/boundary="?([^";]+)"?/);
  if (boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1, -1);
    const plain = parts.map((p) => {
      const s = p.replace(/^\r\n/, '');
      const k = s.indexOf('\r\n\r\n');
      return { h: headersOf(s.slice(0, k)), b: s.slice(k + 4) };
    }).find((p) => (p.h['content-type'] || '').startsWith('text/plain'));
    if (plain) { partHeaders = plain.h; body = plain.b; }
  }
  return {
    file, headers, raw,
    to: headers.to || '',
    subject: headers.subject || '',
    text: decodeBody(partHeaders, body).replace(/\r\n/g, '\n'),
  };
}

/** Every message in the outbox folder so far, oldest first. */
export function readMails(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => a.t - b.t)
    .map(({ f }) => parseMail(fs.readFileSync(path.join(dir, f), 'utf8'), f));
}

/** Wait (at most `ms`) until the messages matching `pred` number at least `n`; returns them. */
export async function waitForMails(dir, pred, { n = 1, ms = 20_000 } = {}) {
  const until = Date.now() + ms;
  for (;;) {
    const found = readMails(dir).filter(pred);
    if (found.length >= n) return found;
    if (Date.now() > until) {
      const all = readMails(dir).map((m) => `  to ${m.to}: ${m.subject}`).join('\n');
      throw new Error(`no ${n} such e-mail(s) within ${ms} ms; the outbox sent:\n${all || '  nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

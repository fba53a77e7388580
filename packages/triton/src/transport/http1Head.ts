// HTTP/1.1 response head parsing for the raw-socket Node transport: status line, header fields and the
// body framing they imply (RFC 9112 §6). Strict on purpose: anything ambiguous (conflicting lengths, folded
// lines, bare CR/LF) is a protocol error rather than a guess, since a wrong guess desynchronises a
// keep-alive connection.
import { RemoteError } from '@sightline/core';
import type { ResponseHeaders } from './httpTransport.js';

/** How the body after the head is delimited. */
export type Http1Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'close' };

export interface Http1Head {
  status: number;
  headers: Http1Headers;
  framing: Http1Framing;
  /** The connection can carry another request after this response. */
  keepAlive: boolean;
}

/** Case-insensitive header map; repeated fields are joined with ", " (RFC 9110 §5.3). */
export class Http1Headers implements ResponseHeaders {
  private readonly map = new Map<string, string>();

  add(name: string, value: string): void {
    const k = name.toLowerCase();
    const prev = this.map.get(k);
    this.map.set(k, prev === undefined ? value : `${prev}, ${value}`);
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;

function protocol(url: string, msg: string): never {
  throw new RemoteError('E_REMOTE_PROTOCOL', `malformed HTTP response from ${url}: ${msg}`);
}

/** Index just past the blank line ending the head in bytes[from, end), or -1. */
export function findHeadEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = Math.max(0, from); i + 3 < end; i++) {
    if (bytes[i + 3] === 10 && bytes[i + 2] === 13 && bytes[i + 1] === 10 && bytes[i] === 13) return i + 4;
  }
  return -1;
}

/**
 * Parses `text` (the head up to and excluding the final CRLF CRLF, decoded as latin1). `noBody`: the
 * request was HEAD, so no body follows whatever the fields say.
 */
export function parseHttp1Head(text: string, url: string, noBody = false): Http1Head {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]);
  if (!m) protocol(url, `bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
  const http10 = m[1] === '0';
  const status = Number(m[2]);
  const headers = new Http1Headers();
  let contentLength: number | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    // Obsolete line folding and stray CR/LF are refused (RFC 9112 §5.2 lets a client reject them).
    if (/[\r\n\0]/.test(line) || line.startsWith(' ') || line.startsWith('\t')) protocol(url, 'folded or malformed header line');
    const colon = line.indexOf(':');
    if (colon <= 0) protocol(url, `header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) protocol(url, `bad header name ${JSON.stringify(name.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    headers.add(name, value);
    const k = name.toLowerCase();
    if (k === 'content-length') {
      // "5, 5" (a proxy merging duplicates) is one length; different values are a smuggling hazard.
      for (const part of value.split(',')) {
        const v = part.trim();
        if (!/^\d{1,15}$/.test(v)) protocol(url, `bad Content-Length ${JSON.stringify(value.slice(0, 40))}`);
        if (contentLength !== undefined && contentLength !== Number(v)) protocol(url, 'conflicting Content-Length values');
        contentLength = Number(v);
      }
    } else if (k === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (k === 'connection') {
      connection += `,${value.toLowerCase()}`;
    }
  }
  const tokens = connection.split(',').map((t) => t.trim());
  let keepAlive = http10 ? tokens.includes('keep-alive') : !tokens.includes('close');
  let framing: Http1Framing;
  if (noBody || (status >= 100 && status < 200) || status === 204 || status === 304) framing = { kind: 'none' };
  else if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    // Transfer-Encoding overrides Content-Length; a response whose last coding is not chunked runs to the
    // close (RFC 9112 §6.3). Either way a message that carried both must not be followed by another.
    if (codings[codings.length - 1] === 'chunked') {
      if (codings.length !== 1) protocol(url, `unsupported Transfer-Encoding ${JSON.stringify(transferEncoding.slice(0, 40))}`);
      framing = { kind: 'chunked' };
    } else framing = { kind: 'close' };
    if (contentLength !== undefined || framing.kind === 'close') keepAlive = false;
  } else if (contentLength !== undefined) framing = { kind: 'length', length: contentLength };
  else {
    framing = { kind: 'close' };
    keepAlive = false;
  }
  return { status, headers, framing, keepAlive };
}
